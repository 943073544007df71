#pragma once
// The group repository's prepared statements (see statements.hpp).
#include <pqxx/connection>

namespace chatd::storage::postgres {

namespace stmt {
inline constexpr const char* kGroupInsert = "group_insert";
inline constexpr const char* kGroupFind = "group_find";
inline constexpr const char* kGroupLock = "group_lock";
inline constexpr const char* kGroupRole = "group_role";
inline constexpr const char* kGroupMembers = "group_members";
inline constexpr const char* kGroupsOfCount = "groups_of_count";
inline constexpr const char* kGroupsOfPage = "groups_of_page";
inline constexpr const char* kGroupIdsOf = "group_ids_of";
inline constexpr const char* kGroupUpdate = "group_update";
inline constexpr const char* kGroupMissingUser = "group_missing_user";
inline constexpr const char* kGroupNewMembers = "group_new_members";
inline constexpr const char* kGroupMemberCount = "group_member_count";
inline constexpr const char* kGroupMembersInsert = "group_members_insert";
inline constexpr const char* kGroupSetRole = "group_set_role";
inline constexpr const char* kGroupMemberDelete = "group_member_delete";
inline constexpr const char* kGroupNextOwner = "group_next_owner";
inline constexpr const char* kGroupDelete = "group_delete";
inline constexpr const char* kGroupConversations = "group_conversations";
inline constexpr const char* kGroupMarkRead = "group_mark_read";
inline constexpr const char* kGroupUnread = "group_unread";
}  // namespace stmt

void define_group_statements(pqxx::connection& c);

}  // namespace chatd::storage::postgres
