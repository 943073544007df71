#pragma once
// The rules of group conversations (docs/rest.md, "Groups"): who may see, change, add and remove
// what. Sending to a group is ChatService's (post_group), reading its history too; this holds
// the group management. Refusals are ChatError: kNotFound "Group not found" for anyone who is
// not a member (a group's existence is not revealed), kForbidden for a member whose role does
// not allow the change, kInvalidInput for limits, kNotFound "User not found" for unknown users.
// Live effects: room joins and leaves go to the membership listener, in commit order (below);
// group_updated is the caller's, after the change.
#include <array>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "chat/service.hpp"
#include "core/blocking_pool.hpp"
#include "storage/repository.hpp"

namespace chatd::chat {

struct GroupDetail {
  storage::Group group;
  std::vector<storage::GroupMember> members;
};

// What a change did, for the caller to announce.
struct GroupChange {
  storage::Group group;                  // after the change
  std::vector<std::int64_t> added = {};  // users who became members
  // Users whose sockets belong in the group's room now: the added, and those named again by a
  // retry after an unknown outcome (the first attempt may have added them, then added is empty).
  std::vector<std::int64_t> joined = {};
  std::optional<std::int64_t> removed = std::nullopt;  // the user who left or was removed
  bool deleted = false;                                // the last member left: the group is gone
  // The removal's commit had no answer (storage::OutcomeUnknownError, rethrown to the caller):
  // the user may still be a member. Their sockets leave the room all the same (hearing a
  // group's messages needs a membership known to exist; a reconnect reads it back), but they
  // are not told the group is gone.
  bool outcome_unknown = false;
};

class GroupService {
 public:
  GroupService(storage::Database& db, core::BlockingPool& pool, ChatService& chat,
               std::size_t max_members);

  std::size_t max_members() const { return max_members_; }

  // Hears every membership change (joined or removed set) on the thread that committed it, and
  // before any later change to the same group commits on this node: room joins and leaves then
  // happen in commit order whichever of two close REST requests resumes first, so a member
  // removed just after being added does not stay in the room. Set before serving.
  using MembershipListener = std::function<void(const GroupChange&)>;
  void on_membership(MembershipListener listener) { on_membership_ = std::move(listener); }

  boost::asio::awaitable<GroupChange> create(std::int64_t owner, storage::NewGroup group);
  boost::asio::awaitable<storage::Page<storage::Group>> mine(std::int64_t user, int page,
                                                             int per_page);
  boost::asio::awaitable<GroupDetail> detail(std::int64_t viewer, std::int64_t group);
  // Name and topic: owner or admin.
  boost::asio::awaitable<GroupChange> update(std::int64_t caller, std::int64_t group,
                                             storage::GroupUpdate update);
  // Owner or admin.
  boost::asio::awaitable<GroupChange> add(std::int64_t caller, std::int64_t group,
                                          std::vector<std::int64_t> users);
  // Oneself (leaving): anyone. Someone else: the owner (anyone) or an admin (members only).
  boost::asio::awaitable<GroupChange> remove(std::int64_t caller, std::int64_t group,
                                             std::int64_t user);
  // Owner only; role admin or member.
  boost::asio::awaitable<GroupChange> set_role(std::int64_t caller, std::int64_t group,
                                               std::int64_t user, storage::GroupRole role);
  // The ids of the user's groups (the rooms its sockets join).
  boost::asio::awaitable<std::vector<std::int64_t>> group_ids_of(std::int64_t user);
  // The user's groups, each last message filled as history pages are (reactions, replies).
  boost::asio::awaitable<std::vector<storage::GroupConversation>> conversations(std::int64_t user);

 private:
  // kForbidden unless the caller's role is owner or admin (kNotFound for a non-member).
  boost::asio::awaitable<storage::GroupRole> require_manager(std::int64_t caller,
                                                             std::int64_t group);
  // Runs a storage call on the pool, turning the storage's refusals into ChatError.
  template <typename Job>
  auto run(Job job) -> boost::asio::awaitable<decltype(job())>;

  std::mutex& lock_for(std::int64_t group) { return membership_locks_[group % 16]; }
  void announce(const GroupChange& change) const {
    if (on_membership_) on_membership_(change);
  }

  storage::Database& db_;
  core::BlockingPool& pool_;
  ChatService& chat_;
  std::size_t max_members_;
  MembershipListener on_membership_;
  // Held from a membership change's commit to its announcement; one per group id modulo 16
  // (changes are rare, so sharing a lock costs little).
  std::array<std::mutex, 16> membership_locks_;
};

}  // namespace chatd::chat
