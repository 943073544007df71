#include "storage/postgres/rows.hpp"

#include <string_view>

#include <pqxx/field>

#include "storage/repository.hpp"
#include "storage/text.hpp"

namespace chatd::storage::postgres {

std::string ms(std::string_view column) {
  return "(extract(epoch from " + std::string(column) + ") * 1000)::bigint";
}

const std::string& user_columns() {
  static const std::string kColumns =
      "u.id, u.email, u.username, u.password_hash, " + ms("u.created_at") + ", " +
      ms("u.updated_at") + ", p.id, p.full_name, p.profile_image, p.age, p.location, " +
      ms("p.created_at") + ", " + ms("p.updated_at") + ", u.disabled_at IS NOT NULL";
  return kColumns;
}

const std::string& message_columns() {
  static const std::string kColumns =
      "m.id, m.content, m.blob_url, m.is_public, m.sender_id, m.recipient_id, m.type, m.width, "
      "m.height, " +
      ms("m.created_at") + ", " + ms("m.updated_at") +
      ", u.username, m.client_msg_id, m.origin, m.group_id, " + ms("m.edited_at") +
      ", m.deleted_at IS NOT NULL, m.reply_to";
  return kColumns;
}

// libpqxx 6.4 as packaged cannot read std::optional (its optional support is compiled out),
// hence these.
std::optional<std::string> opt_text(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return std::string(f.c_str(), f.size());
}

std::optional<int> opt_int(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<int>();
}

std::optional<std::int64_t> opt_int64(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::int64_t>();
}

User read_user(const pqxx::row& r, int first) {
  User u;
  u.id = r[first + 0].as<std::int64_t>();
  u.email = r[first + 1].as<std::string>();
  u.username = r[first + 2].as<std::string>();
  u.password_hash = r[first + 3].as<std::string>();
  u.created_at = r[first + 4].as<std::int64_t>();
  u.updated_at = r[first + 5].as<std::int64_t>();
  if (!r[first + 6].is_null()) {
    Profile p;
    p.id = r[first + 6].as<std::int64_t>();
    p.full_name = opt_text(r[first + 7]);
    p.profile_image = opt_text(r[first + 8]);
    p.age = opt_int(r[first + 9]);
    p.location = opt_text(r[first + 10]);
    p.user_id = u.id;
    p.created_at = r[first + 11].as<std::int64_t>();
    p.updated_at = r[first + 12].as<std::int64_t>();
    u.profile = std::move(p);
  }
  u.disabled = r[first + 13].as<bool>();
  return u;
}

Message read_message(const pqxx::row& r, int first) {
  Message m;
  m.id = r[first + 0].as<std::int64_t>();
  m.content = r[first + 1].as<std::string>();
  m.blob_url = opt_text(r[first + 2]);
  m.is_public = r[first + 3].as<bool>();
  m.sender_id = r[first + 4].as<std::int64_t>();
  m.recipient_id = opt_int64(r[first + 5]);
  m.type = parse_message_type(r[first + 6].c_str());
  m.width = opt_int(r[first + 7]);
  m.height = opt_int(r[first + 8]);
  m.created_at = r[first + 9].as<std::int64_t>();
  m.updated_at = r[first + 10].as<std::int64_t>();
  m.sender_username = r[first + 11].as<std::string>();
  m.client_msg_id = opt_text(r[first + 12]);
  m.origin = opt_int64(r[first + 13]);
  m.group_id = opt_int64(r[first + 14]);
  m.edited_at = opt_int64(r[first + 15]);
  m.deleted = r[first + 16].as<bool>();
  m.reply_to = opt_int64(r[first + 17]);
  return m;
}

void throw_if_duplicate(const pqxx::unique_violation& e) {
  // libpqxx 6 does not expose the constraint name field; the server's message quotes it.
  const std::string_view what = e.what();
  if (what.find("\"users_username_key\"") != std::string_view::npos)
    throw DuplicateError("username");
  if (what.find("\"users_email_key\"") != std::string_view::npos) throw DuplicateError("email");
}

}  // namespace chatd::storage::postgres
