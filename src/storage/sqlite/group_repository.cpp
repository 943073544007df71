#include "storage/sqlite/repositories.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "storage/query_parts.hpp"
#include "storage/sqlite/group_ownership.hpp"
#include "storage/sqlite/rows.hpp"

namespace chatd::storage::sqlite {
namespace {

// chat_groups g: 7 columns, read by read_group.
constexpr const char* kGroupColumns =
    "g.id, g.name, g.topic,"
    " coalesce((SELECT o.user_id FROM group_members o WHERE o.group_id = g.id"
    " AND o.role = 'owner' ORDER BY o.joined_at, o.user_id LIMIT 1), 0),"
    " (SELECT count(*) FROM group_members n WHERE n.group_id = g.id), g.created_at, g.updated_at";

Group read_group(SQLite::Statement& s, int first = 0) {
  Group g;
  g.id = s.getColumn(first + 0).getInt64();
  g.name = s.getColumn(first + 1).getString();
  g.topic = opt_text(s, first + 2);
  g.owner_id = s.getColumn(first + 3).getInt64();
  g.member_count = s.getColumn(first + 4).getInt64();
  g.created_at = s.getColumn(first + 5).getInt64();
  g.updated_at = s.getColumn(first + 6).getInt64();
  return g;
}

std::optional<Group> find_group(SQLite::Database& db, std::int64_t group_id) {
  SQLite::Statement s(
      db, std::string("SELECT ") + kGroupColumns + " FROM chat_groups g WHERE g.id = ?");
  s.bind(1, group_id);
  if (!s.executeStep()) return std::nullopt;
  return read_group(s);
}

std::optional<GroupRole> find_role(SQLite::Database& db, std::int64_t group_id,
                                   std::int64_t user_id) {
  SQLite::Statement s(db, "SELECT role FROM group_members WHERE group_id = ? AND user_id = ?");
  s.bind(1, group_id);
  s.bind(2, user_id);
  if (!s.executeStep()) return std::nullopt;
  return parse_group_role(s.getColumn(0).getString());
}

// Throws UnknownUserError for the first id without a user.
void require_users(SQLite::Database& db, const std::vector<std::int64_t>& ids) {
  SQLite::Statement s(db, "SELECT 1 FROM users WHERE id = ?");
  for (const auto id : ids) {
    s.bind(1, id);
    const bool found = s.executeStep();
    s.reset();
    if (!found) throw UnknownUserError(id);
  }
}

void insert_members(SQLite::Database& db, std::int64_t group_id,
                    const std::vector<std::int64_t>& ids, GroupRole role, Millis now) {
  SQLite::Statement s(db,
                      "INSERT INTO group_members (group_id, user_id, role, joined_at)"
                      " VALUES (?, ?, ?, ?)");
  for (const auto id : ids) {
    s.bind(1, group_id);
    s.bind(2, id);
    s.bind(3, group_role_name(role));
    s.bind(4, now);
    s.exec();
    s.reset();
  }
}

std::int64_t count_of(SQLite::Database& db, const char* sql, std::int64_t id) {
  SQLite::Statement s(db, sql);
  s.bind(1, id);
  s.executeStep();
  return s.getColumn(0).getInt64();
}

class SqliteGroupRepository final : public GroupRepository {
  Connections& c_;

 public:
  explicit SqliteGroupRepository(Connections& connections) : c_(connections) {}

  Group create(const NewGroup& in, std::size_t max_members) override {
    const auto others = distinct_ids(in.member_ids, in.owner_id);
    if (others.size() + 1 > max_members) throw GroupFullError(max_members);
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    require_users(db, {in.owner_id});
    require_users(db, others);
    const Millis now = now_millis();
    SQLite::Statement s(db,
                        "INSERT INTO chat_groups (name, topic, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?)");
    s.bind(1, in.name);
    bind_opt(s, 2, in.topic);
    s.bind(3, now);
    s.bind(4, now);
    s.exec();
    const std::int64_t id = db.getLastInsertRowid();
    insert_members(db, id, {in.owner_id}, GroupRole::kOwner, now);
    insert_members(db, id, others, GroupRole::kMember, now);
    auto group = find_group(db, id);
    tx.commit();
    return *group;
  }

  std::optional<Group> find(std::int64_t group_id) override {
    auto lease = c_.read();
    return find_group(lease.db(), group_id);
  }

  std::optional<GroupRole> role_of(std::int64_t group_id, std::int64_t user_id) override {
    auto lease = c_.read();
    return find_role(lease.db(), group_id, user_id);
  }

  std::vector<GroupMember> members(std::int64_t group_id) override {
    auto lease = c_.read();
    SQLite::Statement s(lease.db(),
                        "SELECT gm.user_id, u.username, p.profile_image, gm.role, gm.joined_at"
                        " FROM group_members gm JOIN users u ON u.id = gm.user_id"
                        " LEFT JOIN profiles p ON p.user_id = gm.user_id WHERE gm.group_id = ?"
                        " ORDER BY CASE gm.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END,"
                        " gm.joined_at, gm.user_id");
    s.bind(1, group_id);
    std::vector<GroupMember> out;
    while (s.executeStep()) {
      GroupMember m;
      m.user_id = s.getColumn(0).getInt64();
      m.username = s.getColumn(1).getString();
      m.profile_image = opt_text(s, 2);
      m.role = parse_group_role(s.getColumn(3).getString()).value_or(GroupRole::kMember);
      m.joined_at = s.getColumn(4).getInt64();
      out.push_back(std::move(m));
    }
    return out;
  }

  Page<Group> list_for(std::int64_t user_id, int page, int per_page) override {
    auto lease = c_.read();
    auto& db = lease.db();
    SQLite::Transaction tx(db);
    Page<Group> out;
    out.total = count_of(db, "SELECT count(*) FROM group_members WHERE user_id = ?", user_id);
    SQLite::Statement s(db, std::string("SELECT ") + kGroupColumns +
                                " FROM group_members me JOIN chat_groups g ON g.id = me.group_id"
                                " WHERE me.user_id = ? ORDER BY g.id DESC LIMIT ? OFFSET ?");
    const PageWindow w = page_window(page, per_page);
    s.bind(1, user_id);
    s.bind(2, w.limit);
    s.bind(3, w.offset);
    while (s.executeStep()) out.items.push_back(read_group(s));
    tx.commit();
    return out;
  }

  std::vector<std::int64_t> group_ids_of(std::int64_t user_id) override {
    auto lease = c_.read();
    SQLite::Statement s(lease.db(),
                        "SELECT group_id FROM group_members WHERE user_id = ? ORDER BY group_id");
    s.bind(1, user_id);
    std::vector<std::int64_t> out;
    while (s.executeStep()) out.push_back(s.getColumn(0).getInt64());
    return out;
  }

  std::optional<Group> update(std::int64_t group_id, const GroupUpdate& update) override {
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement s(
        db,
        "UPDATE chat_groups SET name = coalesce(?2, name),"
        " topic = CASE WHEN ?3 IS NULL THEN topic WHEN ?3 = '' THEN NULL ELSE ?3 END,"
        " updated_at = ?4 WHERE id = ?1");
    s.bind(1, group_id);
    bind_opt(s, 2, update.name);
    bind_opt(s, 3, update.topic);
    s.bind(4, now_millis());
    s.exec();
    auto group = find_group(db, group_id);
    tx.commit();
    return group;
  }

  std::vector<std::int64_t> add_members(std::int64_t group_id,
                                        const std::vector<std::int64_t>& user_ids,
                                        std::size_t max_members) override {
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    std::vector<std::int64_t> fresh;
    for (const auto id : distinct_ids(user_ids, 0))
      if (!find_role(db, group_id, id)) fresh.push_back(id);
    require_users(db, fresh);
    const auto count =
        count_of(db, "SELECT count(*) FROM group_members WHERE group_id = ?", group_id);
    if (static_cast<std::size_t>(count) + fresh.size() > max_members)
      throw GroupFullError(max_members);
    insert_members(db, group_id, fresh, GroupRole::kMember, now_millis());
    tx.commit();
    return fresh;
  }

  bool set_role(std::int64_t group_id, std::int64_t user_id, GroupRole role) override {
    if (role == GroupRole::kOwner) return false;
    auto lease = c_.write();
    SQLite::Statement s(lease.db(),
                        "UPDATE group_members SET role = ? WHERE group_id = ? AND user_id = ?"
                        " AND role <> 'owner'");
    s.bind(1, group_role_name(role));
    s.bind(2, group_id);
    s.bind(3, user_id);
    return s.exec() > 0;
  }

  MemberRemoval remove_member(std::int64_t group_id, std::int64_t user_id) override {
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    MemberRemoval out;
    SQLite::Statement del(db, "DELETE FROM group_members WHERE group_id = ? AND user_id = ?");
    del.bind(1, group_id);
    del.bind(2, user_id);
    out.removed = del.exec() > 0;
    if (!out.removed) return out;
    static_cast<OwnershipChange&>(out) = settle_ownership(db, group_id);
    tx.commit();
    return out;
  }

  std::vector<GroupConversation> conversations(std::int64_t user_id) override {
    auto lease = c_.read();
    SQLite::Statement s(
        lease.db(),
        std::string("SELECT ") + kGroupColumns +
            ", (SELECT count(*) FROM messages x WHERE x.group_id = g.id"
            " AND x.id > me.last_read_id AND x.sender_id <> ?1), " +
            kMessageColumns +
            " FROM group_members me JOIN chat_groups g ON g.id = me.group_id"
            " LEFT JOIN messages m ON m.id = (SELECT max(y.id) FROM messages y"
            " WHERE y.group_id = g.id) LEFT JOIN users u ON u.id = m.sender_id"
            " WHERE me.user_id = ?1 ORDER BY coalesce(m.created_at, g.created_at) DESC, g.id DESC");
    s.bind(1, user_id);
    std::vector<GroupConversation> out;
    while (s.executeStep()) {
      GroupConversation c;
      c.group = read_group(s);
      c.unread_count = s.getColumn(7).getInt64();
      if (!s.getColumn(8).isNull()) c.last_message = read_message(s, 8);
      out.push_back(std::move(c));
    }
    return out;
  }

  std::int64_t mark_read(std::int64_t group_id, std::int64_t user_id,
                         std::int64_t last_message_id) override {
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement s(db,
                        "UPDATE group_members SET last_read_id = max(last_read_id,"
                        " coalesce((SELECT max(id) FROM messages WHERE group_id = ?1"
                        " AND id <= ?3), 0)) WHERE group_id = ?1 AND user_id = ?2");
    s.bind(1, group_id);
    s.bind(2, user_id);
    s.bind(3, last_message_id);
    s.exec();
    SQLite::Statement read(
        db, "SELECT last_read_id FROM group_members WHERE group_id = ? AND user_id = ?");
    read.bind(1, group_id);
    read.bind(2, user_id);
    const std::int64_t marker = read.executeStep() ? read.getColumn(0).getInt64() : 0;
    tx.commit();
    return marker;
  }

  std::int64_t unread_count(std::int64_t group_id, std::int64_t user_id) override {
    auto lease = c_.read();
    SQLite::Statement s(lease.db(),
                        "SELECT count(*) FROM group_members me JOIN messages x"
                        " ON x.group_id = me.group_id AND x.id > me.last_read_id"
                        " WHERE me.group_id = ?1 AND me.user_id = ?2 AND x.sender_id <> ?2");
    s.bind(1, group_id);
    s.bind(2, user_id);
    s.executeStep();
    return s.getColumn(0).getInt64();
  }
};

}  // namespace

std::unique_ptr<GroupRepository> make_group_repository(Connections& connections) {
  return std::make_unique<SqliteGroupRepository>(connections);
}

}  // namespace chatd::storage::sqlite
