// open_database() URL handling and the shared migration runner; backend-independent.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/database_url.hpp"
#include "storage/migrations.hpp"
#include "storage/postgres/array_literal.hpp"
#include "storage/repository.hpp"

namespace chatd::storage {
namespace {

std::string open_error(const std::string& url) {
  try {
    open_database(url);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(DatabaseUrl, RejectsUnsupportedOrMissingScheme) {
  EXPECT_EQ(open_error("mysql://root:pw@localhost/db"),
            "DATABASE_URL: unsupported scheme 'mysql' (use sqlite:// or postgresql://)");
  EXPECT_NE(open_error("just-a-path.db").find("DATABASE_URL: expected <scheme>://"),
            std::string::npos);
  EXPECT_NE(open_error("sqlite://").find("DATABASE_URL: missing SQLite file path"),
            std::string::npos);
}

TEST(DatabaseUrl, ParsesSqlitePaths) {
  EXPECT_EQ(url_scheme("SQLite://x.db"), "sqlite");
  EXPECT_EQ(sqlite_path("sqlite://./data/chatd.db"), "./data/chatd.db");
  EXPECT_EQ(sqlite_path("sqlite:///var/lib/chatd/chatd.db"), "/var/lib/chatd/chatd.db");
  EXPECT_EQ(sqlite_path("sqlite://relative/x.db"), "relative/x.db");
  EXPECT_EQ(sqlite_path("sqlite://:memory:"), ":memory:");
}

TEST(DatabaseUrl, RedactsPasswords) {
  const std::string url = "postgresql://chatd:s3cr%40t@db.example:5432/chatd";
  EXPECT_EQ(redact_password("auth failed for s3cr%40t and s3cr@t\nsecond line  ", url),
            "auth failed for *** and *** second line");
  EXPECT_EQ(redact_password("x pw", "postgres://h/db?sslmode=require&password=pw"), "x ***");
  EXPECT_EQ(redact_password("no secret", "postgresql://user@host/db"), "no secret");
}

TEST(DatabaseUrl, PostgresConnectFailureIsOneLineWithoutPassword) {
  // Port 1 on localhost refuses at once.
  const auto msg = open_error("postgresql://chatd:hunter2secret@127.0.0.1:1/chatd");
  EXPECT_EQ(msg.rfind("DATABASE_URL: cannot connect to PostgreSQL: ", 0), 0u) << msg;
  EXPECT_EQ(msg.find("hunter2secret"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_EQ(open_error("postgres://127.0.0.1:1/x").rfind("DATABASE_URL: cannot connect", 0), 0u);
}

TEST(DatabaseUrl, SqliteOpenFailureNamesThePath) {
  // A regular file where a parent folder should be.
  const auto file = std::filesystem::temp_directory_path() / "chatd_storage_not_a_dir";
  { std::ofstream(file.string()) << "x"; }
  const auto msg = open_error("sqlite://" + file.string() + "/db.sqlite");
  EXPECT_EQ(msg.rfind("DATABASE_URL: ", 0), 0u) << msg;
  EXPECT_NE(msg.find(file.string()), std::string::npos) << msg;
  std::filesystem::remove(file);
}

TEST(Migrations, EmbeddedSetsExistForBothBackends) {
  for (auto backend : {"sqlite", "postgres"}) {
    auto ms = embedded_migrations(backend);
    ASSERT_FALSE(ms.empty()) << backend;
    EXPECT_EQ(ms.front().version, 1);
    EXPECT_EQ(ms.front().name, "001_init.sql");
    EXPECT_NE(ms.front().sql.find("CREATE TABLE messages"), std::string_view::npos);
  }
}

TEST(Migrations, FindsSortsAndRejectsDuplicates) {
  std::vector<core::EmbeddedFile> files = {
      {"storage/migrations/sqlite/010_later.sql", "ten"},
      {"storage/migrations/sqlite/002_second.sql", "two"},
      {"storage/migrations/postgres/001_pg.sql", "pg"},
      {"storage/migrations/sqlite/001_first.sql", "one"},
      {"app/openapi.json", "{}"},
  };
  auto ms = find_migrations(files, "sqlite");
  ASSERT_EQ(ms.size(), 3u);
  EXPECT_EQ(ms[0].version, 1);
  EXPECT_EQ(ms[1].version, 2);
  EXPECT_EQ(ms[2].version, 10);
  EXPECT_EQ(ms[2].name, "010_later.sql");
  EXPECT_EQ(ms[2].sql, "ten");

  files.push_back({"storage/migrations/sqlite/002_again.sql", "dup"});
  EXPECT_THROW(find_migrations(files, "sqlite"), std::runtime_error);
  EXPECT_THROW(find_migrations({{"storage/migrations/sqlite/init.sql", "x"}}, "sqlite"),
               std::runtime_error);
}

class FakeTarget : public MigrationTarget {
 public:
  std::set<int> applied;
  std::vector<std::string> log;
  int fail_version = 0;
  void lock() override { log.push_back("lock"); }
  void unlock() noexcept override { log.push_back("unlock"); }
  std::set<int> applied_versions() override { return applied; }
  void apply(const Migration& m) override {
    if (m.version == fail_version) throw std::runtime_error("boom");
    log.push_back("apply " + std::to_string(m.version));
    applied.insert(m.version);
  }
};

TEST(Migrations, RunnerAppliesPendingInOrderUnderLock) {
  std::vector<Migration> ms = {{1, "001_a.sql", "a"}, {2, "002_b.sql", "b"}, {3, "003_c.sql", "c"}};
  FakeTarget t;
  t.applied = {1, 7};
  EXPECT_EQ(run_migrations(t, ms), 2);
  EXPECT_EQ(t.log, (std::vector<std::string>{"lock", "apply 2", "apply 3", "unlock"}));
  t.log.clear();
  EXPECT_EQ(run_migrations(t, ms), 0);
  EXPECT_EQ(t.log, (std::vector<std::string>{"lock", "unlock"}));
}

TEST(Migrations, RunnerNamesTheFailingFileAndUnlocks) {
  std::vector<Migration> ms = {{1, "001_a.sql", "a"}, {2, "002_b.sql", "b"}};
  FakeTarget t;
  t.fail_version = 2;
  try {
    run_migrations(t, ms);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "migration 002_b.sql failed: boom");
  }
  EXPECT_EQ(t.log.back(), "unlock");
  EXPECT_TRUE(t.applied.contains(1));
}

TEST(PostgresArrayLiteral, QuotesEveryTextElement) {
  postgres::ArrayLiteral a;
  a.add(std::string("plain"));
  a.add(std::string(""));
  a.add(std::string("NULL"));
  a.add(std::string("say \"hi\""));
  a.add(std::string("back\\slash"));
  a.add(std::string("{a, b}"));
  a.add_null();
  EXPECT_EQ(a.str(), R"({"plain","","NULL","say \"hi\"","back\\slash","{a, b}",NULL})");

  postgres::ArrayLiteral n;
  EXPECT_EQ(n.str(), "{}");
  n.add(std::int64_t{-5});
  n.add(std::optional<int>());
  n.add(std::optional<int>(7));
  n.add(true);
  n.add(false);
  EXPECT_EQ(n.str(), "{-5,NULL,7,t,f}");
}

}  // namespace
}  // namespace chatd::storage
