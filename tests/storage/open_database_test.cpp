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

// Connection-string merging: chatd's deadlines go into DATABASE_URL only where it is silent.
TEST(DatabaseUrl, DefaultsAreAddedWhereTheUrlSetsNone) {
  EXPECT_EQ(with_url_defaults("postgresql://u@h/db", {{"connect_timeout", "5"}}, {}),
            "postgresql://u@h/db?connect_timeout=5");
  EXPECT_EQ(with_url_defaults("postgresql://u@h/db?", {{"a", "1"}, {"b", "2"}}, {}),
            "postgresql://u@h/db?a=1&b=2");
  EXPECT_EQ(with_url_defaults("postgresql://u@h/db?sslmode=require&", {{"a", "1"}}, {}),
            "postgresql://u@h/db?sslmode=require&a=1");
  EXPECT_EQ(with_url_defaults("postgresql://h/db", {}, {{"statement_timeout", "5000"}}),
            "postgresql://h/db?options=-c%20statement_timeout%3D5000");
  EXPECT_EQ(with_url_defaults(
                "postgresql://h/db", {},
                {{"statement_timeout", "5000"}, {"idle_in_transaction_session_timeout", "5000"}}),
            "postgresql://h/db?options=-c%20statement_timeout%3D5000%20-c%20idle_in_transaction_"
            "session_timeout%3D5000");
}

TEST(DatabaseUrl, WhatTheUrlSetsWins) {
  // A key the URL has (percent-encoded or not) is left alone, with its own value and text.
  EXPECT_EQ(with_url_defaults("postgresql://h/db?connect_timeout=30&keepalives_idle=60",
                              {{"connect_timeout", "5"}, {"keepalives_idle", "10"}}, {}),
            "postgresql://h/db?connect_timeout=30&keepalives_idle=60");
  EXPECT_EQ(
      with_url_defaults("postgresql://h/db?connect%5Ftimeout=30", {{"connect_timeout", "5"}}, {}),
      "postgresql://h/db?connect%5Ftimeout=30");
  // Server settings the URL's options set, in any of PostgreSQL's spellings, stay as they are;
  // the others are added to the same options parameter.
  for (const std::string options : {"-c%20statement_timeout%3D0", "-cstatement_timeout%3D0",
                                    "--statement-timeout%3D0", "-c%20STATEMENT_TIMEOUT%3D0"}) {
    EXPECT_EQ(with_url_defaults("postgresql://h/db?options=" + options, {},
                                {{"statement_timeout", "5000"}, {"lock_timeout", "100"}}),
              "postgresql://h/db?options=" + options + "%20-c%20lock_timeout%3D100")
        << options;
  }
  // Another setting in options (the storage tests' search_path) keeps its place.
  EXPECT_EQ(with_url_defaults("postgresql://h/db?options=-c%20search_path%3Dx&sslmode=disable",
                              {{"connect_timeout", "5"}}, {{"statement_timeout", "5000"}}),
            "postgresql://h/db?options=-c%20search_path%3Dx%20-c%20statement_timeout%3D5000&"
            "sslmode=disable&connect_timeout=5");
  // libpq keeps the last of repeated parameters: that one is extended.
  EXPECT_EQ(with_url_defaults("postgresql://h/db?options=-c%20a%3D1&options=", {},
                              {{"statement_timeout", "5"}}),
            "postgresql://h/db?options=-c%20a%3D1&options=-c%20statement_timeout%3D5");
}

TEST(DatabaseUrl, PostgresDeadlinesFromTheOptions) {
  DatabaseOptions o;
  o.connect_timeout = std::chrono::milliseconds(2500);
  o.statement_timeout = std::chrono::milliseconds(750);
  const auto url = postgres_url_with_deadlines("postgres://chatd:pw@db:5432/chatd", o);
  EXPECT_EQ(url,
            "postgres://chatd:pw@db:5432/chatd?connect_timeout=3&keepalives=1&keepalives_idle=10&"
            "keepalives_interval=5&keepalives_count=3&tcp_user_timeout=10000&options=-c%20"
            "statement_timeout%3D750%20-c%20idle_in_transaction_session_timeout%3D750");
  // An explicit value in the URL is kept, and so is everything it says about itself.
  const auto own = postgres_url_with_deadlines(
      "postgresql://db/chatd?connect_timeout=20&options=-c%20statement_timeout%3D60000", o);
  EXPECT_NE(own.find("connect_timeout=20"), std::string::npos) << own;
  EXPECT_EQ(own.find("connect_timeout=3"), std::string::npos) << own;
  EXPECT_NE(own.find("statement_timeout%3D60000"), std::string::npos) << own;
  EXPECT_EQ(own.find("statement_timeout%3D750"), std::string::npos) << own;
  EXPECT_NE(own.find("idle_in_transaction_session_timeout%3D750"), std::string::npos) << own;
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
