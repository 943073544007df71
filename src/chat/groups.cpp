#include "chat/groups.hpp"

#include "storage/query_parts.hpp"

namespace chatd::chat {
using storage::GroupRole;

GroupService::GroupService(storage::Database& db, core::BlockingPool& pool, ChatService& chat,
                           std::size_t max_members)
    : db_(db), pool_(pool), chat_(chat), max_members_(max_members) {}

template <typename Job>
auto GroupService::run(Job job) -> boost::asio::awaitable<decltype(job())> {
  auto guarded = [job = std::move(job), this]() mutable {
    try {
      return job();
    } catch (const storage::UnknownUserError&) {
      throw ChatError(ErrorKind::kNotFound, "User not found");
    } catch (const storage::GroupFullError& e) {
      throw ChatError(ErrorKind::kInvalidInput,
                      "a group has at most " + std::to_string(max_members_) + " members");
    }
  };
  co_return co_await pool_.run(std::move(guarded));
}

namespace {
// The group as it is now; a group that vanished meanwhile (its last member left) is not found.
storage::Group current(storage::Database& db, std::int64_t group) {
  auto g = db.groups().find(group);
  if (!g) throw ChatError(ErrorKind::kNotFound, kGroupNotFound);
  return *g;
}

bool manages(GroupRole role) {
  return role == GroupRole::kOwner || role == GroupRole::kAdmin;
}
}  // namespace

boost::asio::awaitable<GroupRole> GroupService::require_manager(std::int64_t caller,
                                                                std::int64_t group) {
  const auto role = co_await chat_.require_member(group, caller);
  if (!manages(role))
    throw ChatError(ErrorKind::kForbidden, "Only the group's owner or admins can do this");
  co_return role;
}

boost::asio::awaitable<GroupChange> GroupService::create(std::int64_t owner,
                                                         storage::NewGroup group) {
  group.owner_id = owner;
  auto job = [this, group = std::move(group)] {
    // No lock: nothing else can change a group before it exists.
    GroupChange change{db_.groups().create(group, max_members_)};
    change.added = storage::distinct_ids(group.member_ids, group.owner_id);
    change.added.insert(change.added.begin(), group.owner_id);
    change.joined = change.added;
    announce(change);
    return change;
  };
  co_return co_await run(std::move(job));
}

boost::asio::awaitable<storage::Page<storage::Group>> GroupService::mine(std::int64_t user,
                                                                         int page, int per_page) {
  auto job = [this, user, page, per_page] { return db_.groups().list_for(user, page, per_page); };
  co_return co_await pool_.run(std::move(job));
}

boost::asio::awaitable<GroupDetail> GroupService::detail(std::int64_t viewer, std::int64_t group) {
  co_await chat_.require_member(group, viewer);
  auto job = [this, group] {
    return GroupDetail{current(db_, group), db_.groups().members(group)};
  };
  co_return co_await pool_.run(std::move(job));
}

boost::asio::awaitable<GroupChange> GroupService::update(std::int64_t caller, std::int64_t group,
                                                         storage::GroupUpdate update) {
  co_await require_manager(caller, group);
  auto job = [this, group, update = std::move(update)] {
    auto g = db_.groups().update(group, update);
    if (!g) throw ChatError(ErrorKind::kNotFound, kGroupNotFound);
    return GroupChange{*g};
  };
  co_return co_await pool_.run(std::move(job));
}

boost::asio::awaitable<GroupChange> GroupService::add(std::int64_t caller, std::int64_t group,
                                                      std::vector<std::int64_t> users) {
  co_await require_manager(caller, group);
  auto job = [this, group, users = std::move(users)] {
    std::lock_guard lock(lock_for(group));
    GroupChange change;
    change.added = db_.groups().add_members(group, users, max_members_);
    // add_members adds all or nothing: every user named is a member now.
    change.joined = storage::distinct_ids(users, 0);
    change.group.id = group;
    announce(change);
    change.group = current(db_, group);
    return change;
  };
  co_return co_await run(std::move(job));
}

boost::asio::awaitable<GroupChange> GroupService::remove(std::int64_t caller, std::int64_t group,
                                                         std::int64_t user) {
  const auto role = co_await chat_.require_member(group, caller);
  if (user != caller) {
    if (!manages(role))
      throw ChatError(ErrorKind::kForbidden, "Only the group's owner or admins can do this");
    auto target_job = [this, group, user] { return db_.groups().role_of(group, user); };
    const auto target = co_await pool_.run(std::move(target_job));
    if (!target) throw ChatError(ErrorKind::kNotFound, "User is not a member of this group");
    if (role == GroupRole::kAdmin && *target != GroupRole::kMember)
      throw ChatError(ErrorKind::kForbidden, "Admins can only remove members");
  }
  auto job = [this, group, user] {
    std::lock_guard lock(lock_for(group));
    GroupChange change;
    change.removed = user;
    change.group.id = group;
    storage::MemberRemoval removal;
    try {
      removal = db_.groups().remove_member(group, user);
    } catch (const storage::OutcomeUnknownError&) {
      change.outcome_unknown = true;
      announce(change);
      throw;
    }
    if (!removal.removed)
      throw ChatError(ErrorKind::kNotFound, "User is not a member of this group");
    change.deleted = removal.group_deleted;
    announce(change);
    if (!removal.group_deleted) change.group = current(db_, group);
    return change;
  };
  co_return co_await pool_.run(std::move(job));
}

boost::asio::awaitable<GroupChange> GroupService::set_role(std::int64_t caller, std::int64_t group,
                                                           std::int64_t user, GroupRole role) {
  const auto own = co_await chat_.require_member(group, caller);
  if (own != GroupRole::kOwner)
    throw ChatError(ErrorKind::kForbidden, "Only the group's owner can change roles");
  if (user == caller)
    throw ChatError(ErrorKind::kInvalidInput, "The owner's own role cannot be changed");
  auto job = [this, group, user, role] {
    if (!db_.groups().set_role(group, user, role))
      throw ChatError(ErrorKind::kNotFound, "User is not a member of this group");
    return GroupChange{current(db_, group)};
  };
  co_return co_await pool_.run(std::move(job));
}

boost::asio::awaitable<std::vector<std::int64_t>> GroupService::group_ids_of(std::int64_t user) {
  auto job = [this, user] { return db_.groups().group_ids_of(user); };
  co_return co_await pool_.run(std::move(job));
}

boost::asio::awaitable<std::vector<storage::GroupConversation>> GroupService::conversations(
    std::int64_t user) {
  auto job = [this, user] {
    auto list = db_.groups().conversations(user);
    std::vector<storage::Message*> last;
    for (auto& c : list)
      if (c.last_message) last.push_back(&*c.last_message);
    storage::fill_for_reader(db_, last, user);
    return list;
  };
  co_return co_await pool_.run(std::move(job));
}

}  // namespace chatd::chat
