#pragma once
// Every query chatd sends to PostgreSQL, as prepared statements defined on each new connection
// (libpqxx prepares them on the server at first use). All values travel as parameters.
#include <string>

#include <pqxx/connection>

#include "storage/models.hpp"

namespace chatd::storage::postgres {

namespace stmt {
inline constexpr const char* kUserCreate = "user_create";
inline constexpr const char* kUserById = "user_by_id";
inline constexpr const char* kUserByEmail = "user_by_email";
inline constexpr const char* kUserByUsername = "user_by_username";
inline constexpr const char* kUserCount = "user_count";
inline constexpr const char* kProfileUpdate = "profile_update";
inline constexpr const char* kProfileSetImage = "profile_set_image";
inline constexpr const char* kMessageLogLock = "message_log_lock";
inline constexpr const char* kMessageHead = "message_head";
inline constexpr const char* kMessageRepeats = "message_repeats";
inline constexpr const char* kMessageInsertBatch = "message_insert_batch";
inline constexpr const char* kMessagesAfter = "messages_after";
inline constexpr const char* kReplayFor = "replay_for";
inline constexpr const char* kRecoveryRoomAdd = "recovery_room_add";
inline constexpr const char* kRecoveryRooms = "recovery_rooms";
inline constexpr const char* kRecoveryRoomsPrune = "recovery_rooms_prune";
inline constexpr const char* kMessageFind = "message_find";
inline constexpr const char* kMessagesFind = "messages_find";
inline constexpr const char* kPublicCount = "public_count";
inline constexpr const char* kPublicPage = "public_page";
inline constexpr const char* kPublicBefore = "public_before";
inline constexpr const char* kPrivateCount = "private_count";
inline constexpr const char* kPrivatePage = "private_page";
inline constexpr const char* kPrivateBefore = "private_before";
inline constexpr const char* kGroupCount = "group_count";
inline constexpr const char* kGroupPage = "group_page";
inline constexpr const char* kGroupBefore = "group_before";
inline constexpr const char* kConversations = "conversations";
inline constexpr const char* kConversationPeers = "conversation_peers";
inline constexpr const char* kMarkRead = "mark_read";
inline constexpr const char* kUnreadCount = "unread_count";
inline constexpr const char* kMessageEdit = "message_edit";
inline constexpr const char* kMessageRemove = "message_remove";
inline constexpr const char* kMessageRemoveReactions = "message_remove_reactions";
inline constexpr const char* kMessagesChanged = "messages_changed";
}  // namespace stmt

// The user list differs per sort key and order, which cannot be parameters: one statement each.
std::string user_list_statement(SortKey key, SortOrder order);

// Session settings and statement definitions for a new connection.
void setup_connection(pqxx::connection& conn);

}  // namespace chatd::storage::postgres
