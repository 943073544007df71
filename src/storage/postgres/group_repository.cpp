#include "storage/postgres/repositories.hpp"

#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include "storage/postgres/array_literal.hpp"
#include "storage/postgres/group_ownership.hpp"
#include "storage/postgres/group_statements.hpp"
#include "storage/postgres/rows.hpp"
#include "storage/query_parts.hpp"

// Writes are pqxx::work transactions (never committed when the connection breaks, so the pool
// may run them again); those that count or hand over members first lock the group's row, so
// concurrent changes to one group take turns.
namespace chatd::storage::postgres {
namespace {

Group read_group(const pqxx::row& r) {
  Group g;
  g.id = r[0].as<std::int64_t>();
  g.name = r[1].as<std::string>();
  g.topic = opt_text(r[2]);
  g.owner_id = r[3].as<std::int64_t>();
  g.member_count = r[4].as<std::int64_t>();
  g.created_at = r[5].as<std::int64_t>();
  g.updated_at = r[6].as<std::int64_t>();
  return g;
}

std::string id_array(const std::vector<std::int64_t>& ids) {
  ArrayLiteral a;
  for (const auto id : ids) a.add(id);
  return a.str();
}

template <typename Tx>
std::optional<Group> find_group(Tx& tx, std::int64_t group_id) {
  const auto r = tx.exec_prepared(stmt::kGroupFind, group_id);
  if (r.empty()) return std::nullopt;
  return read_group(r[0]);
}

// Throws UnknownUserError for the first id without a user.
void require_users(pqxx::work& tx, const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return;
  const auto r = tx.exec_prepared(stmt::kGroupMissingUser, id_array(ids));
  if (!r.empty()) throw UnknownUserError(r[0][0].as<std::int64_t>());
}

void insert_members(pqxx::work& tx, std::int64_t group_id, const std::vector<std::int64_t>& ids,
                    GroupRole role) {
  if (ids.empty()) return;
  tx.exec_prepared(stmt::kGroupMembersInsert, group_id, id_array(ids),
                   std::string(group_role_name(role)));
}

class PgGroupRepository final : public GroupRepository {
  ConnectionPool& pool_;

 public:
  explicit PgGroupRepository(ConnectionPool& pool) : pool_(pool) {}

  Group create(const NewGroup& in, std::size_t max_members) override {
    const auto others = distinct_ids(in.member_ids, in.owner_id);
    if (others.size() + 1 > max_members) throw GroupFullError(max_members);
    return pool_.run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      require_users(tx, {in.owner_id});
      require_users(tx, others);
      const auto id =
          tx.exec_prepared1(stmt::kGroupInsert, in.name, in.topic)[0].as<std::int64_t>();
      insert_members(tx, id, {in.owner_id}, GroupRole::kOwner);
      insert_members(tx, id, others, GroupRole::kMember);
      auto group = find_group(tx, id);
      tx.commit();
      return *group;
    });
  }

  std::optional<Group> find(std::int64_t group_id) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return find_group(tx, group_id);
    });
  }

  std::optional<GroupRole> role_of(std::int64_t group_id, std::int64_t user_id) override {
    return pool_.run([&](pqxx::connection& c) -> std::optional<GroupRole> {
      pqxx::nontransaction tx(c);
      const auto r = tx.exec_prepared(stmt::kGroupRole, group_id, user_id);
      if (r.empty()) return std::nullopt;
      return parse_group_role(r[0][0].c_str());
    });
  }

  std::vector<GroupMember> members(std::int64_t group_id) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      std::vector<GroupMember> out;
      for (const auto& row : tx.exec_prepared(stmt::kGroupMembers, group_id)) {
        GroupMember m;
        m.user_id = row[0].as<std::int64_t>();
        m.username = row[1].as<std::string>();
        m.profile_image = opt_text(row[2]);
        m.role = parse_group_role(row[3].c_str()).value_or(GroupRole::kMember);
        m.joined_at = row[4].as<std::int64_t>();
        out.push_back(std::move(m));
      }
      return out;
    });
  }

  Page<Group> list_for(std::int64_t user_id, int page, int per_page) override {
    const PageWindow w = page_window(page, per_page);
    return pool_.run([&](pqxx::connection& c) {
      pqxx::work tx(c);  // one snapshot for the total and the page
      Page<Group> out;
      out.total = tx.exec_prepared1(stmt::kGroupsOfCount, user_id)[0].as<std::int64_t>();
      for (const auto& row : tx.exec_prepared(stmt::kGroupsOfPage, user_id, w.limit, w.offset))
        out.items.push_back(read_group(row));
      tx.commit();
      return out;
    });
  }

  std::vector<std::int64_t> group_ids_of(std::int64_t user_id) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      std::vector<std::int64_t> out;
      for (const auto& row : tx.exec_prepared(stmt::kGroupIdsOf, user_id))
        out.push_back(row[0].as<std::int64_t>());
      return out;
    });
  }

  std::optional<Group> update(std::int64_t group_id, const GroupUpdate& update) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      tx.exec_prepared(stmt::kGroupUpdate, group_id, update.name, update.topic);
      auto group = find_group(tx, group_id);
      tx.commit();
      return group;
    });
  }

  std::vector<std::int64_t> add_members(std::int64_t group_id,
                                        const std::vector<std::int64_t>& user_ids,
                                        std::size_t max_members) override {
    const auto wanted = id_array(distinct_ids(user_ids, 0));
    return pool_.run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      std::vector<std::int64_t> fresh;
      if (tx.exec_prepared(stmt::kGroupLock, group_id).empty()) return fresh;
      for (const auto& row : tx.exec_prepared(stmt::kGroupNewMembers, group_id, wanted))
        fresh.push_back(row[0].as<std::int64_t>());
      require_users(tx, fresh);
      const auto count = tx.exec_prepared1(stmt::kGroupMemberCount, group_id)[0].as<std::int64_t>();
      if (static_cast<std::size_t>(count) + fresh.size() > max_members)
        throw GroupFullError(max_members);
      insert_members(tx, group_id, fresh, GroupRole::kMember);
      tx.commit();
      return fresh;
    });
  }

  bool set_role(std::int64_t group_id, std::int64_t user_id, GroupRole role) override {
    if (role == GroupRole::kOwner) return false;
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return tx.exec_prepared(stmt::kGroupSetRole, group_id, user_id,
                              std::string(group_role_name(role)))
                 .affected_rows() > 0;
    });
  }

  MemberRemoval remove_member(std::int64_t group_id, std::int64_t user_id) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      MemberRemoval out;
      if (tx.exec_prepared(stmt::kGroupLock, group_id).empty()) return out;
      out.removed =
          tx.exec_prepared(stmt::kGroupMemberDelete, group_id, user_id).affected_rows() > 0;
      if (!out.removed) return out;
      static_cast<OwnershipChange&>(out) = settle_ownership(tx, group_id);
      tx.commit();
      return out;
    });
  }

  std::vector<GroupConversation> conversations(std::int64_t user_id) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      std::vector<GroupConversation> out;
      for (const auto& row : tx.exec_prepared(stmt::kGroupConversations, user_id)) {
        GroupConversation conv;
        conv.group = read_group(row);
        conv.unread_count = row[7].as<std::int64_t>();
        if (!row[8].is_null()) conv.last_message = read_message(row, 8);
        out.push_back(std::move(conv));
      }
      return out;
    });
  }

  std::int64_t mark_read(std::int64_t group_id, std::int64_t user_id,
                         std::int64_t last_message_id) override {
    // Idempotent (the marker only moves forward), so a retry is harmless.
    return pool_.run([&](pqxx::connection& c) -> std::int64_t {
      pqxx::nontransaction tx(c);
      const auto r = tx.exec_prepared(stmt::kGroupMarkRead, group_id, user_id, last_message_id);
      return r.empty() ? 0 : r[0][0].as<std::int64_t>();
    });
  }

  std::int64_t unread_count(std::int64_t group_id, std::int64_t user_id) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return tx.exec_prepared1(stmt::kGroupUnread, group_id, user_id)[0].as<std::int64_t>();
    });
  }
};

}  // namespace

std::unique_ptr<GroupRepository> make_group_repository(ConnectionPool& pool) {
  return std::make_unique<PgGroupRepository>(pool);
}

}  // namespace chatd::storage::postgres
