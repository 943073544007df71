#pragma once
// A fixed number of PostgreSQL connections shared between threads. Connections are opened on
// first use and replaced when they break, so a database restart heals without a chatd restart.
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <pqxx/connection>
#include <pqxx/except>

namespace chatd::storage::postgres {

class ConnectionPool {
 public:
  // Runs on every new connection (session settings, prepared statement definitions).
  using Setup = std::function<void(pqxx::connection&)>;

  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<pqxx::connection> conn)
        : pool_(&pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), conn_(std::move(other.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    // Frees the slot even when the connection was dropped, so the pool never shrinks.
    ~Lease() {
      if (pool_) pool_->give_back(std::move(conn_));
    }
    // Connects first if the slot is empty or its connection was lost.
    pqxx::connection& conn();
    // Drops the connection; the slot reconnects on its next use.
    void discard() { conn_.reset(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
  };

  ConnectionPool(std::string url, std::size_t size, Setup setup);

  // Blocks until a slot is free.
  Lease acquire();

  // Runs fn(pqxx::connection&). If the connection turns out to be broken, it is replaced and fn
  // runs once more: callers only pass work that is safe to repeat after a broken connection
  // (reads, idempotent writes, and pqxx::work transactions, which never commit in that case).
  template <typename F>
  std::invoke_result_t<F&, pqxx::connection&> run(F&& fn) {
    for (int attempt = 0;; ++attempt) {
      auto lease = acquire();
      try {
        return fn(lease.conn());
      } catch (const pqxx::broken_connection&) {
        lease.discard();
        if (attempt > 0) throw;
      }
    }
  }

  // Opens a connection; failures become std::runtime_error without the password.
  std::unique_ptr<pqxx::connection> connect() const;

 private:
  void give_back(std::unique_ptr<pqxx::connection> conn);

  std::string url_;
  Setup setup_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t free_slots_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
};

}  // namespace chatd::storage::postgres
