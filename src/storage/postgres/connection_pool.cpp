#include "storage/postgres/connection_pool.hpp"

#include <stdexcept>

#include "storage/database_url.hpp"

namespace chatd::storage::postgres {

pqxx::connection& ConnectionPool::Lease::conn() {
  if (!conn_ || !conn_->is_open()) conn_ = pool_->connect();
  return *conn_;
}

ConnectionPool::ConnectionPool(std::string url, std::size_t size, Setup setup)
    : url_(std::move(url)), setup_(std::move(setup)), free_slots_(size == 0 ? 1 : size) {}

ConnectionPool::Lease ConnectionPool::acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return free_slots_ > 0; });
  --free_slots_;
  std::unique_ptr<pqxx::connection> conn;
  if (!idle_.empty()) {
    conn = std::move(idle_.back());
    idle_.pop_back();
  }
  return Lease(*this, std::move(conn));
}

void ConnectionPool::give_back(std::unique_ptr<pqxx::connection> conn) {
  {
    std::lock_guard lock(mu_);
    if (conn) idle_.push_back(std::move(conn));
    ++free_slots_;
  }
  cv_.notify_one();
}

std::unique_ptr<pqxx::connection> ConnectionPool::connect() const {
  try {
    auto conn = std::make_unique<pqxx::connection>(url_);
    if (setup_) setup_(*conn);
    return conn;
  } catch (const std::exception& e) {
    throw std::runtime_error("DATABASE_URL: cannot connect to PostgreSQL: " +
                             redact_password(e.what(), url_));
  }
}

}  // namespace chatd::storage::postgres
