#include "storage/postgres/user_repository.hpp"

#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include "storage/postgres/rows.hpp"
#include "storage/postgres/statements.hpp"
#include "storage/query_parts.hpp"
#include "storage/text.hpp"

namespace chatd::storage::postgres {
namespace {

std::optional<User> first_user(const pqxx::result& r) {
  if (r.empty()) return std::nullopt;
  return read_user(r[0]);
}

}  // namespace

// Writes that are not idempotent run in pqxx::work: if the connection breaks, the transaction
// did not commit, so ConnectionPool::run may safely retry it.

User PgUserRepository::create(const NewUser& in) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    try {
      auto r = tx.exec_prepared1(stmt::kUserCreate, ascii_lower(in.email), in.username,
                                 in.password_hash, in.full_name, in.location, in.age);
      tx.commit();
      return read_user(r);
    } catch (const pqxx::unique_violation& e) {
      throw_if_duplicate(e);
      throw;
    }
  });
}

std::optional<User> PgUserRepository::find_by_id(std::int64_t id) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return first_user(tx.exec_prepared(stmt::kUserById, id));
  });
}

std::optional<User> PgUserRepository::find_by_email(const std::string& email) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return first_user(tx.exec_prepared(stmt::kUserByEmail, email));
  });
}

std::optional<User> PgUserRepository::find_by_username(const std::string& username) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return first_user(tx.exec_prepared(stmt::kUserByUsername, username));
  });
}

Page<User> PgUserRepository::list(const UserQuery& query) {
  const std::optional<std::string> q =
      query.q && !query.q->empty() ? query.q : std::optional<std::string>();
  const PageWindow w = page_window(query.page, query.per_page);
  return pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    Page<User> page;
    page.total = tx.exec_prepared1(stmt::kUserCount, q)[0].as<std::int64_t>();
    for (const auto& row :
         tx.exec_prepared(user_list_statement(query.sort_by, query.order), q, w.limit, w.offset))
      page.items.push_back(read_user(row));
    return page;
  });
}

std::optional<User> PgUserRepository::update_profile(std::int64_t user_id,
                                                     const ProfileUpdate& update) {
  // Idempotent: repeating it after a broken connection gives the same row.
  return pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return first_user(tx.exec_prepared(stmt::kProfileUpdate, user_id, update.full_name,
                                       update.location, update.age));
  });
}

// The reference check and the update are one statement, so one transaction: the old key is
// judged unreferenced under the same row lock that replaces it.
ReplacedProfileImage PgUserRepository::set_profile_image(std::int64_t user_id,
                                                         const std::string& image_key) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_prepared(stmt::kProfileSetImage, user_id, image_key);
    tx.commit();
    ReplacedProfileImage out;
    if (!r.empty()) out.orphaned_key = opt_text(r[0][0]);
    return out;
  });
}

}  // namespace chatd::storage::postgres
