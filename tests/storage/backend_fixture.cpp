#include "backend_fixture.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include "storage/migrations.hpp"
#include "storage/postgres/search_indexer.hpp"

namespace chatd::storage::test {
namespace {

std::atomic<int> g_counter{0};

std::string unique_suffix() {
  return std::to_string(::getpid()) + "_" + std::to_string(g_counter++);
}

const char* pg_url_from_env() {
  const char* url = std::getenv("CHATD_TEST_PG_URL");
  return url && *url ? url : nullptr;
}

void exec_admin(const std::string& base_url, const std::string& sql) {
  pqxx::connection c(base_url);
  pqxx::nontransaction tx(c);
  tx.exec("SET client_min_messages TO warning");
  tx.exec(sql);
}

// Creates an empty schema and returns a URL whose connections use it: libpq's "options"
// sets search_path for every pooled connection.
std::string create_pg_schema(const std::string& base_url, const std::string& schema) {
  exec_admin(base_url, "DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
  return base_url + (base_url.find('?') == std::string::npos ? "?" : "&") +
         "options=-c%20search_path%3D" + schema;
}

}  // namespace

std::string backend_label(Backend b) {
  switch (b) {
    case Backend::kSqliteFile:
      return "SqliteFile";
    case Backend::kSqliteMemory:
      return "SqliteMemory";
    case Backend::kPostgres:
      return "Postgres";
  }
  return "Unknown";
}

void StorageContract::SetUp() {
  switch (GetParam()) {
    case Backend::kSqliteFile: {
      // A folder that does not exist yet: open_database must create it.
      sqlite_dir_ =
          (std::filesystem::temp_directory_path() / ("chatd_storage_" + unique_suffix())).string();
      url_ = "sqlite://" + sqlite_dir_ + "/nested/chatd.db";
      break;
    }
    case Backend::kSqliteMemory:
      url_ = "sqlite://:memory:";
      break;
    case Backend::kPostgres: {
      const char* base = pg_url_from_env();
      if (!base) GTEST_SKIP() << "CHATD_TEST_PG_URL not set";
      pg_base_url_ = base;
      pg_schema_ = "chatd_test_" + unique_suffix();
      url_ = create_pg_schema(pg_base_url_, pg_schema_);
      break;
    }
  }
  db_ = open_database(url_);
}

void StorageContract::TearDown() {
  db_.reset();
  if (!sqlite_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(sqlite_dir_, ec);
  }
  if (!pg_schema_.empty()) extra_pg_schemas_.push_back(pg_schema_);
  for (const auto& schema : extra_pg_schemas_)
    exec_admin(pg_base_url_, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
}

std::string StorageContract::fresh_url() {
  switch (GetParam()) {
    case Backend::kSqliteFile:
      return "sqlite://" + sqlite_dir_ + "/fresh_" + unique_suffix() + "/chatd.db";
    case Backend::kSqliteMemory:
      return "sqlite://:memory:";
    case Backend::kPostgres: {
      auto schema = "chatd_test_" + unique_suffix();
      extra_pg_schemas_.push_back(schema);
      return create_pg_schema(pg_base_url_, schema);
    }
  }
  return "";
}

std::string StorageContract::migrated_url(int version, const std::vector<std::string>& setup) {
  const auto url = fresh_url();
  if (GetParam() == Backend::kPostgres) {
    pqxx::connection c(url);
    pqxx::nontransaction(c).exec(
        "SET client_min_messages TO warning; CREATE TABLE schema_migrations (version INTEGER"
        " PRIMARY KEY, applied_at TIMESTAMPTZ(3) NOT NULL DEFAULT now())");
    for (const auto& m : embedded_migrations("postgres"))
      if (m.version <= version) {
        pqxx::work tx(c);  // one transaction each, as the runner applies them
        tx.exec(std::string(m.sql));
        tx.exec("INSERT INTO schema_migrations (version) VALUES (" + std::to_string(m.version) +
                ")");
        tx.commit();
      }
    pqxx::nontransaction tx(c);
    for (const auto& sql : setup) tx.exec(sql);
    return url;
  }
  const auto path = url.substr(std::string("sqlite://").size());
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  SQLite::Database c(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  c.exec("PRAGMA foreign_keys = ON");
  c.exec(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT "
      "NULL)");
  for (const auto& m : embedded_migrations("sqlite"))
    if (m.version <= version) {
      c.exec(std::string(m.sql));
      c.exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 0)");
    }
  for (const auto& sql : setup) c.exec(sql);
  return url;
}

std::optional<std::string> StorageContract::raw(const std::string& sql) {
  switch (GetParam()) {
    case Backend::kSqliteFile: {
      SQLite::Database c(url_.substr(std::string("sqlite://").size()), SQLite::OPEN_READWRITE,
                         5000);
      c.exec("PRAGMA foreign_keys = ON");
      SQLite::Statement s(c, sql);
      if (!s.executeStep() || s.getColumnCount() == 0 || s.getColumn(0).isNull())
        return std::nullopt;
      return s.getColumn(0).getString();
    }
    case Backend::kPostgres: {
      pqxx::connection c(url_);
      pqxx::nontransaction tx(c);
      auto r = tx.exec(sql);
      if (r.empty() || r.columns() == 0 || r[0][0].is_null()) return std::nullopt;
      return r[0][0].as<std::string>();
    }
    case Backend::kSqliteMemory:
      break;
  }
  ADD_FAILURE() << "raw SQL is not available for :memory:";
  return std::nullopt;
}

void StorageContract::wait_search_indexed(std::int64_t id) {
  if (GetParam() != Backend::kPostgres) return;
  const auto sql = "SELECT indexed_through >= " + std::to_string(id) + " FROM message_search_log";
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (raw(sql) != "t") {
    ASSERT_LT(std::chrono::steady_clock::now(), until) << "message " << id << " never indexed";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::shared_ptr<void> StorageContract::pause_search_indexer() {
  if (GetParam() != Backend::kPostgres) return {};
  auto c = std::make_shared<pqxx::connection>(url_);
  pqxx::nontransaction(*c).exec(std::string("SELECT pg_advisory_lock(") +
                                postgres::kSearchIndexLockKey + ")");
  return c;
}

std::optional<std::string> StorageContract::search_row(std::int64_t id) {
  return raw(
      "SELECT CASE WHEN search IS NULL THEN 'null' ELSE 'words' END FROM message_search"
      " WHERE message_id = " +
      std::to_string(id));
}

User StorageContract::make_user(const std::string& name, std::optional<std::string> full_name) {
  NewUser u;
  u.email = name + "@example.com";
  u.username = name;
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  u.full_name = std::move(full_name);
  return users().create(u);
}

NewMessage StorageContract::text(std::int64_t from, std::optional<std::int64_t> to,
                                 std::string content) {
  NewMessage m;
  m.content = std::move(content);
  m.sender_id = from;
  m.recipient_id = to;
  m.is_public = !to.has_value();
  return m;
}

Message StorageContract::send(std::int64_t from, std::optional<std::int64_t> to,
                              std::string content) {
  auto out = messages().insert_batch({text(from, to, std::move(content))});
  EXPECT_EQ(out.size(), 1u);
  return out.at(0);
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageContract,
                         ::testing::Values(Backend::kSqliteFile, Backend::kSqliteMemory,
                                           Backend::kPostgres),
                         [](const auto& info) { return backend_label(info.param); });

}  // namespace chatd::storage::test
