#include "storage/sqlite/sqlite_database.hpp"

#include <filesystem>
#include <stdexcept>

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "storage/migrations.hpp"
#include "storage/repository_set.hpp"
#include "storage/sqlite/connection_pool.hpp"
#include "storage/sqlite/repositories.hpp"
#include "storage/sqlite/rows.hpp"
#include "storage/sqlite/search_repository.hpp"

namespace chatd::storage::sqlite {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr std::size_t kReaders = 4;
constexpr const char* kMemory = ":memory:";

std::unique_ptr<SQLite::Database> connect(const std::string& path, bool reader) {
  auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                               kBusyTimeoutMs);
  // WAL lets readers run alongside the writer; NORMAL sync is durable across application
  // crashes (only a power loss can drop the last commits), which suits chat messages.
  if (!reader && path != kMemory) db->exec("PRAGMA journal_mode = WAL");
  db->exec("PRAGMA synchronous = NORMAL");
  db->exec("PRAGMA foreign_keys = ON");
  // A reader that tries to write is a bug: make it fail loudly instead of contending.
  if (reader) db->exec("PRAGMA query_only = ON");
  return db;
}

// Each migration runs in an IMMEDIATE transaction that re-checks its version, which already
// serialises several processes opening the same file; no separate lock is needed.
class SqliteMigrationTarget final : public MigrationTarget {
 public:
  explicit SqliteMigrationTarget(SQLite::Database& db) : db_(db) {}
  void lock() override {}
  void unlock() noexcept override {}

  std::set<int> applied_versions() override {
    db_.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
    std::set<int> out;
    SQLite::Statement s(db_, "SELECT version FROM schema_migrations");
    while (s.executeStep()) out.insert(s.getColumn(0).getInt());
    return out;
  }

  void apply(const Migration& m) override {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement check(db_, "SELECT 1 FROM schema_migrations WHERE version = ?");
    check.bind(1, m.version);
    if (check.executeStep()) return;  // another process got here first
    db_.exec(std::string(m.sql));
    SQLite::Statement s(db_, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)");
    s.bind(1, m.version);
    s.bind(2, now_millis());
    s.exec();
    tx.commit();
  }

 private:
  SQLite::Database& db_;
};

class SqliteDatabase final : public RepositoryDatabase {
 public:
  explicit SqliteDatabase(std::unique_ptr<Connections> c)
      : RepositoryDatabase({make_user_repository(*c), make_message_repository(*c),
                            make_recovery_room_repository(*c), make_auth_repository(*c),
                            make_group_repository(*c), make_reaction_repository(*c),
                            std::make_unique<SqliteSearchRepository>(*c)}),
        c_(std::move(c)) {}

  std::string backend_name() const override { return "sqlite"; }

  // A local file: `within` is the caller's to enforce (the busy timeout can exceed it).
  bool ping(std::chrono::milliseconds) override {
    try {
      auto lease = c_->read();
      return lease.db().execAndGet("SELECT 1").getInt() == 1;
    } catch (const std::exception&) {
      return false;
    }
  }

 private:
  std::unique_ptr<Connections> c_;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const std::string& path) {
  const bool memory = path == kMemory;
  if (!memory) {
    const auto parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec)
      throw std::runtime_error("DATABASE_URL: cannot create folder '" + parent.string() +
                               "': " + ec.message());
  }
  try {
    auto writer = connect(path, false);
    SqliteMigrationTarget target(*writer);
    run_migrations(target, embedded_migrations("sqlite"));
    std::vector<std::unique_ptr<SQLite::Database>> readers;
    if (!memory)
      for (std::size_t i = 0; i < kReaders; ++i) readers.push_back(connect(path, true));
    return std::make_unique<SqliteDatabase>(
        std::make_unique<Connections>(std::move(writer), std::move(readers)));
  } catch (const SQLite::Exception& e) {
    throw std::runtime_error("DATABASE_URL: cannot open SQLite database '" + path +
                             "': " + e.what());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("DATABASE_URL: SQLite database '" + path + "': " + e.what());
  }
}

}  // namespace chatd::storage::sqlite
