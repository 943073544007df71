#include "storage/sqlite/rows.hpp"

#include <sqlite3.h>

#include <string_view>

#include "storage/repository.hpp"
#include "storage/text.hpp"

namespace chatd::storage::sqlite {

std::optional<std::string> opt_text(SQLite::Statement& s, int col) {
  auto c = s.getColumn(col);
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

std::optional<int> opt_int(SQLite::Statement& s, int col) {
  auto c = s.getColumn(col);
  if (c.isNull()) return std::nullopt;
  return c.getInt();
}

std::optional<std::int64_t> opt_int64(SQLite::Statement& s, int col) {
  auto c = s.getColumn(col);
  if (c.isNull()) return std::nullopt;
  return c.getInt64();
}

void bind_opt(SQLite::Statement& s, int index, const std::optional<std::string>& v) {
  if (v)
    s.bind(index, *v);
  else
    s.bind(index);
}

void bind_opt(SQLite::Statement& s, int index, const std::optional<int>& v) {
  if (v)
    s.bind(index, *v);
  else
    s.bind(index);
}

void bind_opt(SQLite::Statement& s, int index, const std::optional<std::int64_t>& v) {
  if (v)
    s.bind(index, *v);
  else
    s.bind(index);
}

User read_user(SQLite::Statement& s, int first) {
  User u;
  u.id = s.getColumn(first + 0).getInt64();
  u.email = s.getColumn(first + 1).getString();
  u.username = s.getColumn(first + 2).getString();
  u.password_hash = s.getColumn(first + 3).getString();
  u.created_at = s.getColumn(first + 4).getInt64();
  u.updated_at = s.getColumn(first + 5).getInt64();
  if (!s.getColumn(first + 6).isNull()) {
    Profile p;
    p.id = s.getColumn(first + 6).getInt64();
    p.full_name = opt_text(s, first + 7);
    p.profile_image = opt_text(s, first + 8);
    p.age = opt_int(s, first + 9);
    p.location = opt_text(s, first + 10);
    p.user_id = u.id;
    p.created_at = s.getColumn(first + 11).getInt64();
    p.updated_at = s.getColumn(first + 12).getInt64();
    u.profile = std::move(p);
  }
  u.disabled = s.getColumn(first + 13).getInt() != 0;
  return u;
}

Message read_message(SQLite::Statement& s, int first) {
  Message m;
  m.id = s.getColumn(first + 0).getInt64();
  m.content = s.getColumn(first + 1).getString();
  m.blob_url = opt_text(s, first + 2);
  m.is_public = s.getColumn(first + 3).getInt() != 0;
  m.sender_id = s.getColumn(first + 4).getInt64();
  m.recipient_id = opt_int64(s, first + 5);
  m.type = parse_message_type(s.getColumn(first + 6).getString());
  m.width = opt_int(s, first + 7);
  m.height = opt_int(s, first + 8);
  m.created_at = s.getColumn(first + 9).getInt64();
  m.updated_at = s.getColumn(first + 10).getInt64();
  m.sender_username = s.getColumn(first + 11).getString();
  m.client_msg_id = opt_text(s, first + 12);
  m.origin = opt_int64(s, first + 13);
  m.group_id = opt_int64(s, first + 14);
  m.edited_at = opt_int64(s, first + 15);
  m.deleted = s.getColumn(first + 16).getInt() != 0;
  m.reply_to = opt_int64(s, first + 17);
  return m;
}

void throw_if_duplicate(const SQLite::Exception& e) {
  if (e.getErrorCode() != SQLITE_CONSTRAINT) return;
  // SQLite names the column ("users.email") for plain indexes and the index for expression
  // indexes; accept both so a schema change cannot silently turn 409s into 500s.
  const std::string_view what = e.what();
  if (what.find("users.username") != std::string_view::npos ||
      what.find("users_username_key") != std::string_view::npos)
    throw DuplicateError("username");
  if (what.find("users.email") != std::string_view::npos ||
      what.find("users_email_key") != std::string_view::npos)
    throw DuplicateError("email");
}

}  // namespace chatd::storage::sqlite
