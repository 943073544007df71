#include "storage/postgres/group_statements.hpp"

#include <string>

#include "storage/postgres/rows.hpp"

namespace chatd::storage::postgres {
namespace {

// chat_groups g: 7 columns (read_group in group_repository.cpp).
std::string group_columns() {
  return "g.id, g.name, g.topic,"
         " coalesce((SELECT o.user_id FROM group_members o WHERE o.group_id = g.id"
         " AND o.role = 'owner' ORDER BY o.joined_at, o.user_id LIMIT 1), 0),"
         " (SELECT count(*) FROM group_members n WHERE n.group_id = g.id), " +
         ms("g.created_at") + ", " + ms("g.updated_at");
}

void define_group_reads(pqxx::connection& c) {
  const std::string select_group = "SELECT " + group_columns() + " FROM chat_groups g";
  c.prepare(stmt::kGroupFind, select_group + " WHERE g.id = $1::bigint");
  c.prepare(stmt::kGroupLock, "SELECT id FROM chat_groups WHERE id = $1::bigint FOR UPDATE");
  c.prepare(stmt::kGroupRole,
            "SELECT role FROM group_members WHERE group_id = $1::bigint AND user_id = $2::bigint");
  c.prepare(stmt::kGroupMembers,
            "SELECT gm.user_id, u.username, p.profile_image, gm.role, " + ms("gm.joined_at") +
                " FROM group_members gm JOIN users u ON u.id = gm.user_id"
                " LEFT JOIN profiles p ON p.user_id = gm.user_id WHERE gm.group_id = $1::bigint"
                " ORDER BY CASE gm.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END,"
                " gm.joined_at, gm.user_id");
  c.prepare(stmt::kGroupsOfCount, "SELECT count(*) FROM group_members WHERE user_id = $1::bigint");
  c.prepare(stmt::kGroupsOfPage, "SELECT " + group_columns() +
                                     " FROM group_members me JOIN chat_groups g"
                                     " ON g.id = me.group_id WHERE me.user_id = $1::bigint"
                                     " ORDER BY g.id DESC LIMIT $2::bigint OFFSET $3::bigint");
  c.prepare(stmt::kGroupIdsOf,
            "SELECT group_id FROM group_members WHERE user_id = $1::bigint ORDER BY group_id");
  c.prepare(stmt::kGroupConversations,
            "SELECT " + group_columns() +
                ", (SELECT count(*) FROM messages x WHERE x.group_id = g.id"
                " AND x.id > me.last_read_id AND x.sender_id <> $1::bigint), " +
                message_columns() +
                " FROM group_members me JOIN chat_groups g ON g.id = me.group_id"
                " LEFT JOIN messages m ON m.id = (SELECT max(y.id) FROM messages y"
                " WHERE y.group_id = g.id) LEFT JOIN users u ON u.id = m.sender_id"
                " WHERE me.user_id = $1::bigint"
                " ORDER BY coalesce(m.created_at, g.created_at) DESC, g.id DESC");
  c.prepare(stmt::kGroupUnread,
            "SELECT count(*) FROM group_members me JOIN messages x"
            " ON x.group_id = me.group_id AND x.id > me.last_read_id"
            " WHERE me.group_id = $1::bigint AND me.user_id = $2::bigint"
            " AND x.sender_id <> $2::bigint");
}

void define_group_writes(pqxx::connection& c) {
  c.prepare(stmt::kGroupInsert,
            "INSERT INTO chat_groups (name, topic) VALUES ($1::text, $2::text) RETURNING id");
  c.prepare(stmt::kGroupUpdate,
            "UPDATE chat_groups SET name = coalesce($2::text, name),"
            " topic = CASE WHEN $3::text IS NULL THEN topic WHEN $3::text = '' THEN NULL"
            " ELSE $3::text END, updated_at = now() WHERE id = $1::bigint");
  // $1: ids; the first of them (in the given order) that names no user.
  c.prepare(stmt::kGroupMissingUser,
            "SELECT k.id FROM unnest($1::bigint[]) WITH ORDINALITY AS k(id, ord)"
            " WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = k.id) ORDER BY k.ord LIMIT 1");
  // $2: ids; those that are not members of group $1 yet, in the given order.
  c.prepare(stmt::kGroupNewMembers,
            "SELECT k.id FROM unnest($2::bigint[]) WITH ORDINALITY AS k(id, ord)"
            " WHERE NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = $1::bigint"
            " AND gm.user_id = k.id) ORDER BY k.ord");
  c.prepare(stmt::kGroupMemberCount,
            "SELECT count(*) FROM group_members WHERE group_id = $1::bigint");
  c.prepare(stmt::kGroupMembersInsert,
            "INSERT INTO group_members (group_id, user_id, role)"
            " SELECT $1::bigint, k.id, $3::text FROM unnest($2::bigint[]) AS k(id)");
  c.prepare(stmt::kGroupSetRole,
            "UPDATE group_members SET role = $3::text WHERE group_id = $1::bigint"
            " AND user_id = $2::bigint AND role <> 'owner'");
  c.prepare(stmt::kGroupMemberDelete,
            "DELETE FROM group_members WHERE group_id = $1::bigint AND user_id = $2::bigint");
  // With no owner left: the oldest admin, else the oldest member, becomes owner.
  c.prepare(stmt::kGroupNextOwner,
            "UPDATE group_members SET role = 'owner' WHERE group_id = $1::bigint AND user_id ="
            " (SELECT user_id FROM group_members WHERE group_id = $1::bigint"
            " AND NOT EXISTS (SELECT 1 FROM group_members o WHERE o.group_id = $1::bigint"
            " AND o.role = 'owner') ORDER BY role <> 'admin', joined_at, user_id LIMIT 1)"
            " RETURNING user_id");
  c.prepare(stmt::kGroupDelete,
            "DELETE FROM chat_groups g WHERE id = $1::bigint"
            " AND NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = g.id)");
  c.prepare(stmt::kGroupMarkRead,
            "UPDATE group_members SET last_read_id = greatest(last_read_id,"
            " coalesce((SELECT max(id) FROM messages WHERE group_id = $1::bigint"
            " AND id <= $3::bigint), 0)) WHERE group_id = $1::bigint AND user_id = $2::bigint"
            " RETURNING last_read_id");
}

}  // namespace

void define_group_statements(pqxx::connection& c) {
  define_group_reads(c);
  define_group_writes(c);
}

}  // namespace chatd::storage::postgres
