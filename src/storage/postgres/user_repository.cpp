#include "storage/postgres/repositories.hpp"

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

// Writes that are not idempotent run in pqxx::work: if the connection breaks, the transaction
// did not commit, so ConnectionPool::run may safely retry it.
class PgUserRepository final : public UserRepository {
  ConnectionPool& pool_;

 public:
  explicit PgUserRepository(ConnectionPool& pool) : pool_(pool) {}

  User create(const NewUser& in) override {
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

  std::optional<User> find_by_id(std::int64_t id) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return first_user(tx.exec_prepared(stmt::kUserById, id));
    });
  }

  std::optional<User> find_by_email(const std::string& email) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return first_user(tx.exec_prepared(stmt::kUserByEmail, email));
    });
  }

  std::optional<User> find_by_username(const std::string& username) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return first_user(tx.exec_prepared(stmt::kUserByUsername, username));
    });
  }

  Page<User> list(const UserQuery& query) override {
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

  std::optional<User> update_profile(std::int64_t user_id, const ProfileUpdate& update) override {
    // Idempotent: repeating it after a broken connection gives the same row.
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return first_user(tx.exec_prepared(stmt::kProfileUpdate, user_id, update.full_name,
                                         update.location, update.age));
    });
  }

  // The reference check and the update are one statement, so one transaction: the old key is
  // judged unreferenced under the same row lock that replaces it.
  ReplacedProfileImage set_profile_image(std::int64_t user_id,
                                         const std::string& image_key) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      auto r = tx.exec_prepared(stmt::kProfileSetImage, user_id, image_key);
      tx.commit();
      ReplacedProfileImage out;
      if (!r.empty()) out.orphaned_key = opt_text(r[0][0]);
      return out;
    });
  }
};

}  // namespace

std::unique_ptr<UserRepository> make_user_repository(ConnectionPool& pool) {
  return std::make_unique<PgUserRepository>(pool);
}

}  // namespace chatd::storage::postgres
