#pragma once
// SELECT lists and the functions that read them back, kept side by side because the readers
// depend on the column order.
#include <chrono>
#include <optional>
#include <string>

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "storage/models.hpp"

namespace chatd::storage::sqlite {

// kUsersWithProfiles (users u LEFT JOIN profiles p): 14 columns.
inline constexpr const char* kUserColumns =
    "u.id, u.email, u.username, u.password_hash, u.created_at, u.updated_at, "
    "p.id, p.full_name, p.profile_image, p.age, p.location, p.created_at, p.updated_at, "
    "u.disabled_at IS NOT NULL";

// kMessagesWithSenders (messages m JOIN users u, the sender): 18 columns.
inline constexpr const char* kMessageColumns =
    "m.id, m.content, m.blob_url, m.is_public, m.sender_id, m.recipient_id, m.type, m.width, "
    "m.height, m.created_at, m.updated_at, u.username, m.client_msg_id, m.origin, m.group_id, "
    "m.edited_at, m.deleted_at IS NOT NULL, m.reply_to";

User read_user(SQLite::Statement& s, int first = 0);
Message read_message(SQLite::Statement& s, int first = 0);

std::optional<std::string> opt_text(SQLite::Statement& s, int col);
std::optional<int> opt_int(SQLite::Statement& s, int col);
std::optional<std::int64_t> opt_int64(SQLite::Statement& s, int col);

void bind_opt(SQLite::Statement& s, int index, const std::optional<std::string>& v);
void bind_opt(SQLite::Statement& s, int index, const std::optional<int>& v);
void bind_opt(SQLite::Statement& s, int index, const std::optional<std::int64_t>& v);

// Throws DuplicateError if `e` is a unique violation on users.email or users.username.
void throw_if_duplicate(const SQLite::Exception& e);

inline Millis now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace chatd::storage::sqlite
