#include "storage/postgres/connection_pool.hpp"

#include <spdlog/spdlog.h>

#include <optional>

#include <pqxx/nontransaction>

#include "storage/database_url.hpp"
#include "storage/errors.hpp"

namespace chatd::storage::postgres {
namespace {

using namespace std::chrono_literals;

// Reconnection attempts while the database is down: 100 ms, doubling to at most 1 s apart, so a
// database that is back is in use again within about a second, and one that is not is tried at
// most once a second.
constexpr auto kFirstRetry = 100ms;
constexpr auto kMaxRetry = 1000ms;
// Statement deadline of the reconnection's test query.
constexpr auto kProbeTimeout = 2000ms;

std::string no_answer(std::chrono::milliseconds within) {
  return "no answer within " + std::to_string(within.count()) + " ms";
}

}  // namespace

ConnectionPool::Lease::Lease(ConnectionPool& pool, std::unique_ptr<pqxx::connection> conn,
                             Clock::time_point deadline)
    : pool_(&pool),
      watch_(std::make_unique<Watchdog::Entry>(pool.watchdog_, deadline)),
      conn_(std::move(conn)) {
  if (conn_) watch_->watch(conn_->sock());
}

ConnectionPool::Lease::~Lease() {
  if (!pool_) return;
  // Unwatched before anyone else can use (or close) the socket.
  watch_->watch(-1);
  // Past its deadline the socket may have been shut down: not worth keeping.
  if (watch_->expired()) conn_.reset();
  pool_->give_back(std::move(conn_));
}

pqxx::connection& ConnectionPool::Lease::conn() {
  if (!conn_ || !conn_->is_open()) {
    discard();
    try {
      conn_ = pool_->connect(watch_.get());
    } catch (const UnavailableError& e) {
      pool_->failed(e.what());
      throw;
    }
    if (watch_->expired()) throw UnavailableError("PostgreSQL: connecting took too long");
  }
  return *conn_;
}

void ConnectionPool::Lease::discard() {
  watch_->watch(-1);
  conn_.reset();
}

ConnectionPool::ConnectionPool(std::string url, std::size_t size, Setup setup,
                               std::chrono::milliseconds call_timeout)
    : url_(std::move(url)),
      setup_(std::move(setup)),
      call_timeout_(call_timeout),
      errors_("PostgreSQL unavailable", 10s,
              [](const std::string& line) { spdlog::error("{}", line); }),
      free_slots_(size == 0 ? 1 : size),
      reconnector_([this] { reconnect(); }) {}

ConnectionPool::~ConnectionPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  health_changed_.notify_all();
  reconnector_.join();
}

ConnectionPool::Lease ConnectionPool::acquire(Clock::time_point deadline) {
  std::unique_lock lock(mu_);
  const auto ready = [this] { return free_slots_ > 0 || down_; };
  const bool got = slot_freed_.wait_until(lock, deadline, ready);
  if (down_) {
    auto why = last_error_;
    lock.unlock();
    // Refused without trying: counted with the outage's errors.
    errors_.add(why);
    throw UnavailableError("PostgreSQL unavailable: " + why);
  }
  if (!got) throw UnavailableError("PostgreSQL: every connection busy past the deadline");
  --free_slots_;
  std::unique_ptr<pqxx::connection> conn;
  if (!idle_.empty()) {
    conn = std::move(idle_.back());
    idle_.pop_back();
  }
  lock.unlock();
  return Lease(*this, std::move(conn), deadline);
}

void ConnectionPool::give_back(std::unique_ptr<pqxx::connection> conn) {
  {
    std::lock_guard lock(mu_);
    if (conn) idle_.push_back(std::move(conn));
    ++free_slots_;
  }
  slot_freed_.notify_one();
}

std::unique_ptr<pqxx::connection> ConnectionPool::connect(Watchdog::Entry* watch) {
  try {
    auto conn = std::make_unique<pqxx::connection>(url_);
    // libpq's connect_timeout bounded the connecting; the setup needs a deadline of its own.
    std::optional<Watchdog::Entry> own;
    if (!watch) watch = &own.emplace(watchdog_, Clock::now() + call_timeout_);
    watch->watch(conn->sock());
    try {
      if (setup_) setup_(*conn);
    } catch (...) {
      watch->watch(-1);
      throw;
    }
    if (own) own->watch(-1);
    return conn;
  } catch (const std::exception& e) {
    throw UnavailableError("DATABASE_URL: cannot connect to PostgreSQL: " +
                           redact_password(e.what(), url_));
  }
}

bool ConnectionPool::up() const {
  std::lock_guard lock(mu_);
  return !down_;
}

void ConnectionPool::failed(const std::string& why) {
  bool first = false;
  {
    std::lock_guard lock(mu_);
    last_error_ = why;
    if (!down_) {
      down_ = true;
      down_since_ = Clock::now();
      first = true;
    }
  }
  if (first) {
    // Waiters for a slot fail now rather than at their deadline; the reconnection starts.
    slot_freed_.notify_all();
    health_changed_.notify_all();
  }
  errors_.add(why);
}

void ConnectionPool::throw_lost(const std::exception& e, bool expired,
                                std::chrono::milliseconds within) {
  const auto why = expired ? no_answer(within) : redact_password(e.what(), url_);
  failed(why);
  throw UnavailableError("PostgreSQL: " + why);
}

void ConnectionPool::throw_in_doubt(const std::exception& e, std::chrono::milliseconds within) {
  // No answer to the commit: the server may be gone, or only slow. Either way it stops the
  // other calls until a reconnection shows it answers again.
  failed(no_answer(within) + " to a commit");
  throw OutcomeUnknownError("PostgreSQL: commit outcome unknown: " +
                            redact_password(e.what(), url_));
}

void ConnectionPool::throw_if_canceled(const pqxx::failure& e) {
  // 57014 query_canceled: statement_timeout (chatd cancels nothing else). The transaction was
  // rolled back; the connection is fine.
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  if (sql && sql->sqlstate() == "57014")
    throw UnavailableError(std::string("PostgreSQL: statement timeout: ") + e.what());
}

bool ConnectionPool::ping(std::chrono::milliseconds within) {
  if (!up()) return false;
  const auto deadline = Clock::now() + within;
  std::unique_lock lock(ping_mu_, deadline);
  if (!lock.owns_lock()) return false;
  Watchdog::Entry watch(watchdog_, deadline);
  if (!ping_conn_ || !ping_conn_->is_open()) {
    ping_conn_.reset();
    try {
      ping_conn_ = connect(&watch);
    } catch (const UnavailableError&) {
      return false;
    }
  }
  const bool ok = answer(*ping_conn_, watch, within).empty();
  if (!ok) ping_conn_.reset();
  return ok;
}

std::string ConnectionPool::answer(pqxx::connection& conn, Watchdog::Entry& watch,
                                   std::chrono::milliseconds within) {
  std::string error;
  watch.watch(conn.sock());
  try {
    pqxx::nontransaction tx(conn);
    if (tx.exec("SELECT 1")[0][0].as<int>() != 1) error = "SELECT 1 did not answer 1";
  } catch (const std::exception& e) {
    error = watch.expired() ? no_answer(within) : redact_password(e.what(), url_);
  }
  watch.watch(-1);
  // Past its deadline the socket may have been shut down: not worth keeping.
  if (error.empty() && watch.expired()) error = no_answer(within);
  return error;
}

// While the database is down: one connection attempt at a time, with backoff. The connection
// that answers becomes one of the pool's idle connections.
void ConnectionPool::reconnect() {
  auto retry = std::chrono::milliseconds(kFirstRetry);
  std::unique_lock lock(mu_);
  for (;;) {
    health_changed_.wait(lock, [this] { return down_ || stopping_; });
    if (stopping_) return;
    if (health_changed_.wait_for(lock, retry, [this] { return stopping_; })) return;
    lock.unlock();
    std::unique_ptr<pqxx::connection> conn;
    std::string error;
    try {
      conn = connect();
    } catch (const UnavailableError& e) {
      error = e.what();  // refused, libpq's connect_timeout, no answer to the setup...
    }
    if (conn) {
      // Connected: does it answer a query too?
      Watchdog::Entry watch(watchdog_, Clock::now() + kProbeTimeout);
      error = answer(*conn, watch, kProbeTimeout);
      if (!error.empty()) conn.reset();
    }
    lock.lock();
    if (stopping_) return;
    if (!conn) {
      last_error_ = error;
      lock.unlock();
      errors_.add(error);
      retry = std::min<std::chrono::milliseconds>(retry * 2, kMaxRetry);
      lock.lock();
      continue;
    }
    const auto seconds = std::chrono::duration<double>(Clock::now() - down_since_).count();
    down_ = false;
    retry = kFirstRetry;
    // At most one connection per slot: a spare one is closed.
    if (idle_.size() < free_slots_) idle_.push_back(std::move(conn));
    lock.unlock();
    conn.reset();
    const auto unwritten = errors_.take_unwritten();
    spdlog::info("PostgreSQL available again after {:.1f} s{}", seconds,
                 unwritten == 0
                     ? std::string()
                     : " (" + core::group_thousands(unwritten) + " errors since the last line)");
    lock.lock();
  }
}

}  // namespace chatd::storage::postgres
