#include "auth/accounts.hpp"

#include <algorithm>

#include "auth/crypto/password.hpp"
#include "auth/session_cutoff.hpp"
#include "http/error.hpp"

namespace chatd::auth {
namespace {

using Kind = AccountError::Kind;

// Registration's list of problems as one line.
AccountError invalid(const http::HttpError& e) {
  std::string line;
  for (const auto& m : e.messages()) line += (line.empty() ? "" : "; ") + m;
  return AccountError(Kind::kInvalid, line);
}

AccountError not_found(const storage::User& user) {
  return AccountError(Kind::kNotFound, "user '" + user.username + "' no longer exists");
}

}  // namespace

std::size_t sessions_ended(const std::vector<storage::Revocation>& revocations) {
  return static_cast<std::size_t>(std::count_if(
      revocations.begin(), revocations.end(),
      [](const storage::Revocation& r) { return r.kind == storage::RevocationKind::kFamily; }));
}

AccountAdmin::AccountAdmin(storage::Database& db, std::chrono::seconds access_ttl)
    : db_(db), access_ttl_(access_ttl) {}

storage::SessionCutoff AccountAdmin::cutoff() const {
  return session_cutoff(access_ttl_.count());
}

storage::User AccountAdmin::create(const boost::json::object& fields) {
  Registration r;
  try {
    r = read_registration(fields);
  } catch (const http::HttpError& e) {
    throw invalid(e);
  }
  storage::NewUser user{r.email,     r.username, hash_password(r.password),
                        r.full_name, r.location, r.age};
  try {
    return db_.users().create(user);
  } catch (const storage::DuplicateError& e) {
    const bool email = e.field() == "email";
    throw AccountError(Kind::kTaken, (email ? "email '" + r.email : "username '" + r.username) +
                                         "' is taken by another user");
  }
}

storage::User AccountAdmin::find(const std::string& who) {
  auto user = who.find('@') != std::string::npos ? db_.users().find_by_email(who) : std::nullopt;
  if (!user) user = db_.users().find_by_username(who);
  if (!user) throw AccountError(Kind::kNotFound, "no user has the email or username '" + who + "'");
  return std::move(*user);
}

std::size_t AccountAdmin::set_password(const storage::User& user, const std::string& password) {
  const boost::json::object body{{"password", password}};
  http::BodyValidator v(body);
  new_password(v, "password");
  try {
    v.done();
  } catch (const http::HttpError& e) {
    throw invalid(e);
  }
  const auto hash = hash_password(password);
  const auto cut = cutoff();
  auto revocations = db_.auth().replace_password(user.id, user.password_hash, hash,
                                                 cut.issued_before, cut.user_expires_at, cut.now);
  if (!revocations) {
    // Deleted, or its password changed since `user` was read.
    if (!db_.users().find_by_id(user.id)) throw not_found(user);
    throw std::runtime_error("the password of '" + user.username +
                             "' changed while this command ran; nothing was set");
  }
  return sessions_ended(*revocations);
}

std::size_t AccountAdmin::disable(const storage::User& user) {
  auto revocations = db_.auth().disable_user(user.id, cutoff());
  if (!revocations) throw not_found(user);
  return sessions_ended(*revocations);
}

void AccountAdmin::enable(const storage::User& user) {
  if (!db_.auth().enable_user(user.id)) throw not_found(user);
}

storage::DeletedUser AccountAdmin::remove(const storage::User& user) {
  auto deleted = db_.auth().delete_user(user.id, cutoff());
  if (!deleted) throw not_found(user);
  return std::move(*deleted);
}

}  // namespace chatd::auth
