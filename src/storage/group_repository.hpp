#pragma once
// Group conversations: a named conversation with members, each with a role. Their messages are
// rows of the message log like any other (Message::group_id), so ids, idempotency, delivery
// order and recovery are the log's; this repository keeps the groups, who belongs to them, and
// each member's read marker.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "storage/models.hpp"

namespace chatd::storage {

enum class GroupRole { kOwner, kAdmin, kMember };

const char* group_role_name(GroupRole role);
std::optional<GroupRole> parse_group_role(std::string_view name);

struct Group {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::string> topic;
  // The member whose role is owner (0 when none: the owner's account was deleted).
  std::int64_t owner_id = 0;
  std::int64_t member_count = 0;
  Millis created_at = 0;
  Millis updated_at = 0;
};

struct GroupMember {
  std::int64_t user_id = 0;
  std::string username;
  std::optional<std::string> profile_image;  // blob key
  GroupRole role = GroupRole::kMember;
  Millis joined_at = 0;
};

struct NewGroup {
  std::string name;
  std::optional<std::string> topic = std::nullopt;
  std::int64_t owner_id = 0;
  // The other members; repeats and the owner's own id are ignored.
  std::vector<std::int64_t> member_ids = {};
};

// Absent fields stay as they are; an empty topic clears it.
struct GroupUpdate {
  std::optional<std::string> name = std::nullopt;
  std::optional<std::string> topic = std::nullopt;
};

// A group in the member's conversation list: its newest message (none yet: nullopt) and how
// many messages from the other members are newer than the member's read marker.
struct GroupConversation {
  Group group;
  std::optional<Message> last_message;
  std::int64_t unread_count = 0;
};

// What remove_member did.
// What members leaving did to a group's ownership.
struct OwnershipChange {
  bool group_deleted = false;  // the last member left: the group and its messages are gone
  // The member who became owner because the last owner left (the oldest admin, else the
  // oldest member; ties by user id).
  std::optional<std::int64_t> new_owner;
};

struct MemberRemoval : OwnershipChange {
  bool removed = false;  // false: the user was not a member, nothing changed
};

// A user named as a member does not exist; nothing was stored.
class UnknownUserError : public std::runtime_error {
 public:
  explicit UnknownUserError(std::int64_t user_id)
      : std::runtime_error("unknown user " + std::to_string(user_id)), user_id_(user_id) {}
  std::int64_t user_id() const { return user_id_; }

 private:
  std::int64_t user_id_;
};

// The group would have more than the allowed number of members; nothing was stored.
class GroupFullError : public std::runtime_error {
 public:
  explicit GroupFullError(std::size_t max_members)
      : std::runtime_error("a group has at most " + std::to_string(max_members) + " members"),
        max_members_(max_members) {}
  std::size_t max_members() const { return max_members_; }

 private:
  std::size_t max_members_;
};

class GroupRepository {
 public:
  virtual ~GroupRepository() = default;
  // Creates the group, its owner (role owner) and members (role member) in one transaction.
  // Throws UnknownUserError for the first id without a user, GroupFullError when the owner and
  // the members are more than max_members.
  virtual Group create(const NewGroup& group, std::size_t max_members) = 0;
  virtual std::optional<Group> find(std::int64_t group_id) = 0;
  // The user's role in the group, nullopt when not a member (or no such group).
  virtual std::optional<GroupRole> role_of(std::int64_t group_id, std::int64_t user_id) = 0;
  // Owner first, then admins, then members, each by the time they joined (ties by user id).
  virtual std::vector<GroupMember> members(std::int64_t group_id) = 0;
  // The user's groups, most recently created first.
  virtual Page<Group> list_for(std::int64_t user_id, int page, int per_page) = 0;
  // The ids of the user's groups, ascending.
  virtual std::vector<std::int64_t> group_ids_of(std::int64_t user_id) = 0;
  // Applies the update (updated_at moves); nullopt when there is no such group.
  virtual std::optional<Group> update(std::int64_t group_id, const GroupUpdate& update) = 0;
  // Adds the users who are not members yet, as members, in one transaction, and returns their
  // ids in the order given (each once). Throws UnknownUserError, GroupFullError (nothing added).
  virtual std::vector<std::int64_t> add_members(std::int64_t group_id,
                                                const std::vector<std::int64_t>& user_ids,
                                                std::size_t max_members) = 0;
  // Sets a member's role to admin or member (not owner); false when the user is no member or
  // is the owner.
  virtual bool set_role(std::int64_t group_id, std::int64_t user_id, GroupRole role) = 0;
  // Removes the member. The last owner leaving hands ownership to the oldest admin, else the
  // oldest member; the last member leaving deletes the group with its messages.
  virtual MemberRemoval remove_member(std::int64_t group_id, std::int64_t user_id) = 0;
  // The member's groups with their newest message and unread count, most recent activity
  // first (a group without messages counts from its creation).
  virtual std::vector<GroupConversation> conversations(std::int64_t user_id) = 0;
  // Moves the member's marker to the group's newest message with id <= last_message_id (so it
  // never names a message that does not exist yet), never back; returns the marker now (0 when
  // it names none). No-op (0) for a non-member.
  virtual std::int64_t mark_read(std::int64_t group_id, std::int64_t user_id,
                                 std::int64_t last_message_id) = 0;
  // Messages from the other members above the member's marker.
  virtual std::int64_t unread_count(std::int64_t group_id, std::int64_t user_id) = 0;
};

}  // namespace chatd::storage
