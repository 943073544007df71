#include "storage/postgres/pg_database.hpp"

#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "storage/database_url.hpp"
#include "storage/migrations.hpp"
#include "storage/postgres/connection_pool.hpp"
#include "storage/postgres/repositories.hpp"
#include "storage/postgres/search_indexer.hpp"
#include "storage/postgres/search_repository.hpp"
#include "storage/postgres/statements.hpp"
#include "storage/repository_set.hpp"

namespace chatd::storage::postgres {
namespace {

// Arbitrary but fixed: every chatd node takes this session-level advisory lock to migrate.
constexpr std::int64_t kMigrationLockKey = 0x63686174640001;  // "chatd" 1

class PgMigrationTarget final : public MigrationTarget {
 public:
  explicit PgMigrationTarget(pqxx::connection& c) : c_(c) {}

  void lock() override {
    pqxx::nontransaction tx(c_);
    tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
  }

  void unlock() noexcept override {
    try {
      pqxx::nontransaction tx(c_);
      tx.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
    } catch (const std::exception&) {
      // The lock dies with the session; a broken connection has released it already.
    }
  }

  std::set<int> applied_versions() override {
    pqxx::nontransaction tx(c_);
    tx.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY,"
        " applied_at TIMESTAMPTZ(3) NOT NULL DEFAULT now())");
    std::set<int> out;
    for (const auto& row : tx.exec("SELECT version FROM schema_migrations"))
      out.insert(row[0].as<int>());
    return out;
  }

  void apply(const Migration& m) override {
    pqxx::work tx(c_);
    tx.exec(std::string(m.sql));
    tx.exec_params("INSERT INTO schema_migrations (version) VALUES ($1)", m.version);
    tx.commit();
  }

 private:
  pqxx::connection& c_;
};

class PgDatabase final : public RepositoryDatabase {
 public:
  PgDatabase(std::unique_ptr<ConnectionPool> pool, std::chrono::milliseconds write_timeout)
      : RepositoryDatabase({make_user_repository(*pool),
                            make_message_repository(*pool, write_timeout),
                            make_recovery_room_repository(*pool), make_auth_repository(*pool),
                            make_group_repository(*pool), make_reaction_repository(*pool),
                            std::make_unique<PgSearchRepository>(*pool)}),
        pool_(std::move(pool)),
        indexer_(*pool_, SearchIndexer::Options{}) {}

  std::string backend_name() const override { return "postgresql"; }

  bool ping(std::chrono::milliseconds within) override { return pool_->ping(within); }
  bool known_down() const override { return !pool_->up(); }
  std::int64_t search_backlog() const override { return indexer_.backlog(); }

 private:
  std::unique_ptr<ConnectionPool> pool_;
  SearchIndexer indexer_;  // after pool_: stopped before the pool goes
};

}  // namespace

std::unique_ptr<Database> open_postgres(const std::string& url, const DatabaseOptions& options,
                                        std::size_t pool_size) {
  // The server enforces statement_timeout itself; chatd's own deadline, for a server that does
  // not answer at all, comes a second later.
  const auto call_timeout = options.statement_timeout + std::chrono::seconds(1);
  auto pool = std::make_unique<ConnectionPool>(postgres_url_with_deadlines(url, options), pool_size,
                                               setup_connection, call_timeout);
  {
    // Connect now, so a bad URL stops start-up (with the error, not an outage log) instead of
    // the first request. Migrations take as long as they take: no deadline.
    auto conn = pool->connect();
    {
      // Nor the server's statement_timeout: a long migration, or the wait for another node's
      // migration lock, is not an outage. This connection is closed after the migrations.
      pqxx::nontransaction tx(*conn);
      tx.exec("SET statement_timeout TO 0");
    }
    PgMigrationTarget target(*conn);
    try {
      run_migrations(target, embedded_migrations("postgres"));
    } catch (const std::exception& e) {
      throw std::runtime_error("DATABASE_URL: PostgreSQL: " + redact_password(e.what(), url));
    }
  }
  return std::make_unique<PgDatabase>(std::move(pool), options.write_timeout);
}

}  // namespace chatd::storage::postgres
