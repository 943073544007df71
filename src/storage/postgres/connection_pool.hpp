#pragma once
// A fixed number of PostgreSQL connections shared between threads. Connections are opened on
// first use and replaced when they break, so a database restart heals without a chatd restart.
//
// Every call has a deadline (a Watchdog ends it when the server does not answer by then), and
// the pool knows when the database is down: once a call could not reach it (connection refused,
// lost, or no answer in time), further calls fail at once with UnavailableError instead of
// queueing behind stuck ones, and one thread of the pool reconnects with backoff (100 ms doubling
// to 1 s) until the database answers again. Errors of an outage are logged as a count per 10 s.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <pqxx/connection>
#include <pqxx/except>

#include "core/error_tally.hpp"
#include "storage/postgres/watchdog.hpp"

namespace chatd::storage::postgres {

class ConnectionPool {
 public:
  using Clock = std::chrono::steady_clock;
  // Runs on every new connection (session settings, prepared statement definitions).
  using Setup = std::function<void(pqxx::connection&)>;

  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<pqxx::connection> conn, Clock::time_point deadline);
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)),
          watch_(std::move(other.watch_)),
          conn_(std::move(other.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    // Frees the slot even when the connection was dropped, so the pool never shrinks.
    ~Lease();
    // Connects first if the slot is empty or its connection was lost.
    pqxx::connection& conn();
    // Drops the connection; the slot reconnects on its next use.
    void discard();
    // True once the call's deadline has passed (its socket was shut down then).
    bool expired() const { return watch_->expired(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Watchdog::Entry> watch_;
    std::unique_ptr<pqxx::connection> conn_;
  };

  // call_timeout: the deadline of run(); url: as libpq takes it (deadlines merged in already).
  ConnectionPool(std::string url, std::size_t size, Setup setup,
                 std::chrono::milliseconds call_timeout);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Waits until a slot is free or the deadline has passed. Throws UnavailableError at once while
  // the database is down, or when no slot frees up in time.
  Lease acquire(Clock::time_point deadline);

  // Runs fn(pqxx::connection&) within the call timeout (or `within`). If the connection turns
  // out to be broken, it is replaced and fn runs once more: callers only pass work that is safe
  // to repeat after a broken connection (reads, idempotent writes, and pqxx::work transactions,
  // which never commit in that case). Throws UnavailableError when the database cannot be
  // reached or does not answer in time, OutcomeUnknownError when that happens during a commit,
  // and what fn throws otherwise.
  template <typename F>
  std::invoke_result_t<F&, pqxx::connection&> run(F&& fn) {
    return run_within(call_timeout_, std::forward<F>(fn));
  }
  template <typename F>
  std::invoke_result_t<F&, pqxx::connection&> run_within(std::chrono::milliseconds within, F&& fn) {
    auto lease = acquire(Clock::now() + within);
    for (int attempt = 0;; ++attempt) {
      try {
        return fn(lease.conn());
      } catch (const pqxx::in_doubt_error& e) {
        lease.discard();
        throw_in_doubt(e, within);
      } catch (const pqxx::broken_connection& e) {
        const bool expired = lease.expired();
        lease.discard();
        if (expired || attempt > 0) throw_lost(e, expired, within);
      } catch (const pqxx::failure& e) {
        if (lease.expired()) {
          lease.discard();
          throw_lost(e, true, within);
        }
        throw_if_canceled(e);
        throw;
      }
    }
  }

  // True when a trivial query on a connection of its own answers within `within`; false at once
  // while the database is known down. Never blocks behind the pool's calls.
  bool ping(std::chrono::milliseconds within);

  // False from the first call that could not reach the database until a reconnection succeeds.
  bool up() const;

  // Opens a connection; failures become UnavailableError without the password. The setup runs
  // under `watch` (a call's deadline), or else within the call timeout from when the connection
  // was made (libpq's connect_timeout bounds the connecting).
  std::unique_ptr<pqxx::connection> connect(Watchdog::Entry* watch = nullptr);

 private:
  void give_back(std::unique_ptr<pqxx::connection> conn);
  // A call could not reach the database: down from now on, until the reconnection succeeds.
  void failed(const std::string& why);
  [[noreturn]] void throw_lost(const std::exception& e, bool expired,
                               std::chrono::milliseconds within);
  [[noreturn]] void throw_in_doubt(const std::exception& e, std::chrono::milliseconds within);
  // The server ended a statement (statement_timeout): UnavailableError; the database is up.
  static void throw_if_canceled(const pqxx::failure& e);
  // The test query of ping and of the reconnection, on conn under watch (its deadline `within`
  // from now): "" when it answered in time, else why not.
  std::string answer(pqxx::connection& conn, Watchdog::Entry& watch,
                     std::chrono::milliseconds within);
  void reconnect();

  std::string url_;
  Setup setup_;
  std::chrono::milliseconds call_timeout_;
  Watchdog watchdog_;
  core::ErrorTally errors_;

  mutable std::mutex mu_;
  std::condition_variable slot_freed_;
  std::size_t free_slots_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  bool down_ = false;
  Clock::time_point down_since_;
  std::string last_error_;
  bool stopping_ = false;
  std::condition_variable health_changed_;

  std::timed_mutex ping_mu_;
  std::unique_ptr<pqxx::connection> ping_conn_;

  std::thread reconnector_;  // last: starts once everything above exists
};

}  // namespace chatd::storage::postgres
