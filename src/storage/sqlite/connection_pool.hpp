#pragma once
// SQLite connections shared between threads. A connection is used by one thread at a time:
// callers lease one and give it back when the lease goes out of scope.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

namespace chatd::storage::sqlite {

class ConnectionPool {
 public:
  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<SQLite::Database> db)
        : pool_(&pool), db_(std::move(db)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    SQLite::Database& db() { return *db_; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<SQLite::Database> db_;
  };

  explicit ConnectionPool(std::vector<std::unique_ptr<SQLite::Database>> connections)
      : free_(std::move(connections)) {}
  // Blocks until a connection is free.
  Lease acquire();

 private:
  void release(std::unique_ptr<SQLite::Database> db);

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<SQLite::Database>> free_;
};

// One writer, because SQLite admits one writer at a time anyway and queueing in-process is
// cheaper than busy-waiting on the file lock; several readers, which WAL lets run alongside
// the writer. An in-memory database is private to its connection, so then the writer serves
// reads too.
class Connections {
 public:
  Connections(std::unique_ptr<SQLite::Database> writer,
              std::vector<std::unique_ptr<SQLite::Database>> readers);
  ConnectionPool::Lease write() { return writer_.acquire(); }
  ConnectionPool::Lease read() { return readers_ ? readers_->acquire() : writer_.acquire(); }

 private:
  ConnectionPool writer_;
  std::unique_ptr<ConnectionPool> readers_;
};

}  // namespace chatd::storage::sqlite
