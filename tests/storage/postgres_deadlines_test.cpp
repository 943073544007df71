// The PostgreSQL pool's deadlines against a real server (CHATD_TEST_PG_URL): the server's
// statement_timeout, chatd's own deadline for a server that does not answer, the commit whose
// outcome is unknown, the down state and the reconnection.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include "storage/database_url.hpp"
#include "storage/errors.hpp"
#include "storage/postgres/connection_pool.hpp"
#include "storage/postgres/pg_database.hpp"

namespace chatd::storage::postgres {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t);
}

std::string exec_one(pqxx::connection& c, const std::string& sql) {
  pqxx::nontransaction tx(c);
  auto r = tx.exec(sql);
  return r.empty() || r[0][0].is_null() ? "" : r[0][0].c_str();
}

class PostgresDeadlines : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("CHATD_TEST_PG_URL");
    if (!base || !*base) GTEST_SKIP() << "CHATD_TEST_PG_URL not set";
    base_ = base;
    schema_ = "chatd_deadlines_" + std::to_string(::getpid());
    admin("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " + schema_);
    url_ = base_ + (base_.find('?') == std::string::npos ? "?" : "&") +
           "options=-c%20search_path%3D" + schema_;
  }
  void TearDown() override {
    if (!schema_.empty()) admin("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }
  void admin(const std::string& sql) {
    pqxx::connection c(base_);
    exec_one(c, "SET client_min_messages TO warning");
    exec_one(c, sql);
  }
  // A pool over the test schema with the given server statement timeout and call deadline.
  std::unique_ptr<ConnectionPool> pool(std::chrono::milliseconds statement_timeout,
                                       std::chrono::milliseconds call_timeout) {
    DatabaseOptions o;
    o.statement_timeout = statement_timeout;
    return std::make_unique<ConnectionPool>(postgres_url_with_deadlines(url_, o), 2, nullptr,
                                            call_timeout);
  }

  std::string base_, schema_, url_;
};

TEST_F(PostgresDeadlines, EveryConnectionCarriesTheSettingsTheUrlLacks) {
  auto p = pool(1500ms, 5s);
  p->run([](pqxx::connection& c) {
    EXPECT_EQ(exec_one(c, "SHOW statement_timeout"), "1500ms");
    EXPECT_EQ(exec_one(c, "SHOW idle_in_transaction_session_timeout"), "1500ms");
    return 0;
  });
  // One the URL sets itself wins; the search_path the URL's options carry stays.
  DatabaseOptions o;
  ConnectionPool own(postgres_url_with_deadlines(url_ + "%20-c%20statement_timeout%3D0", o), 1,
                     nullptr, 5s);
  own.run([this](pqxx::connection& c) {
    EXPECT_EQ(exec_one(c, "SHOW statement_timeout"), "0");
    EXPECT_EQ(exec_one(c, "SHOW idle_in_transaction_session_timeout"), "5s");
    EXPECT_EQ(exec_one(c, "SHOW search_path"), schema_);
    return 0;
  });
}

TEST_F(PostgresDeadlines, TheServersStatementTimeoutIsUnavailableButNotDown) {
  auto p = pool(200ms, 5s);
  const auto start = Clock::now();
  EXPECT_THROW(p->run([](pqxx::connection& c) { return exec_one(c, "SELECT pg_sleep(3)"); }),
               UnavailableError);
  EXPECT_LT(since(start), 1500ms);
  EXPECT_TRUE(p->up());
  EXPECT_EQ(p->run([](pqxx::connection& c) { return exec_one(c, "SELECT 7"); }), "7");
}

TEST_F(PostgresDeadlines, NoAnswerWithinTheDeadlineEndsTheCallAndTheDatabaseIsDownUntilItAnswers) {
  // The server would wait 10 s; chatd's deadline is 300 ms (what a frozen server looks like).
  auto p = pool(10s, 300ms);
  auto start = Clock::now();
  try {
    p->run([](pqxx::connection& c) { return exec_one(c, "SELECT pg_sleep(5)"); });
    FAIL() << "no error";
  } catch (const OutcomeUnknownError& e) {
    FAIL() << "a read has no outcome to doubt: " << e.what();
  } catch (const UnavailableError& e) {
    EXPECT_NE(std::string(e.what()).find("no answer within 300 ms"), std::string::npos) << e.what();
  }
  EXPECT_LT(since(start), 1500ms);
  // Down: calls fail at once, without waiting for a connection or the server.
  EXPECT_FALSE(p->up());
  EXPECT_FALSE(p->ping(1s));
  start = Clock::now();
  EXPECT_THROW(p->run([](pqxx::connection& c) { return exec_one(c, "SELECT 1"); }),
               UnavailableError);
  EXPECT_LT(since(start), 50ms);
  // The reconnection finds the server answering within about 100 ms.
  start = Clock::now();
  while (!p->up() && since(start) < 3s) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(p->up());
  EXPECT_LT(since(start), 1500ms);
  EXPECT_EQ(p->run([](pqxx::connection& c) { return exec_one(c, "SELECT 8"); }), "8");
  EXPECT_TRUE(p->ping(1s));
}

TEST_F(PostgresDeadlines, ACommitWithoutAnswerHasAnUnknownOutcome) {
  auto p = pool(10s, 10s);
  // A deferred constraint trigger runs at COMMIT: here it makes the commit take 1.5 s.
  p->run([](pqxx::connection& c) {
    exec_one(c,
             "CREATE TABLE slow_commit (id INT PRIMARY KEY);"
             "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS "
             "$$ BEGIN PERFORM pg_sleep(1.5); RETURN NULL; END $$;"
             "CREATE CONSTRAINT TRIGGER slow AFTER INSERT ON slow_commit "
             "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow()");
    return 0;
  });
  const auto start = Clock::now();
  EXPECT_THROW(p->run_within(400ms,
                             [](pqxx::connection& c) {
                               pqxx::work tx(c);
                               tx.exec("INSERT INTO slow_commit VALUES (1)");
                               tx.commit();
                               return 0;
                             }),
               OutcomeUnknownError);
  EXPECT_LT(since(start), 1200ms);
  // And unknown it was: the server went on and committed.
  pqxx::connection check(url_);
  std::string rows;
  for (auto t = Clock::now(); since(t) < 5s; std::this_thread::sleep_for(50ms)) {
    rows = exec_one(check, "SELECT count(*) FROM slow_commit");
    if (rows == "1") break;
  }
  EXPECT_EQ(rows, "1");
}

TEST_F(PostgresDeadlines, MigrationsAreNotBoundByTheStatementTimeout) {
  // Another node holds the migration lock for longer than the statement timeout: start-up waits
  // for it instead of failing.
  pqxx::connection other(base_);
  exec_one(other, "SELECT pg_advisory_lock(" + std::to_string(0x63686174640001) + ")");
  std::thread release([&other] {
    std::this_thread::sleep_for(800ms);
    exec_one(other, "SELECT pg_advisory_unlock_all()");
  });
  DatabaseOptions o;
  o.statement_timeout = 200ms;
  const auto start = Clock::now();
  std::unique_ptr<Database> db;
  EXPECT_NO_THROW(db = open_postgres(url_, o));
  release.join();
  EXPECT_GE(since(start), 700ms);
  ASSERT_TRUE(db);
  EXPECT_TRUE(db->ping(1s));
  EXPECT_FALSE(db->users().find_by_id(1));  // migrated
}

TEST_F(PostgresDeadlines, AnUnreachableServerIsUnavailableAtOnceAndRetriedWithBackoff) {
  // Port 1 refuses at once: the first call finds the database down, the next ones do not try.
  ConnectionPool p("postgresql://chatd@127.0.0.1:1/chatd?connect_timeout=2", 2, nullptr, 1s);
  EXPECT_THROW(p.run([](pqxx::connection& c) { return exec_one(c, "SELECT 1"); }),
               UnavailableError);
  EXPECT_FALSE(p.up());
  const auto start = Clock::now();
  int refused = 0;
  while (since(start) < 300ms) {
    EXPECT_THROW(p.run([](pqxx::connection& c) { return exec_one(c, "SELECT 1"); }),
                 UnavailableError);
    ++refused;
  }
  // Thousands of calls refused in 300 ms, none waiting for a connection attempt.
  EXPECT_GT(refused, 1000);
}

}  // namespace
}  // namespace chatd::storage::postgres
