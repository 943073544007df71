#include "storage/sqlite/connection_pool.hpp"

namespace chatd::storage::sqlite {

ConnectionPool::Lease::~Lease() {
  if (db_) pool_->release(std::move(db_));
}

ConnectionPool::Lease ConnectionPool::acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return !free_.empty(); });
  auto db = std::move(free_.back());
  free_.pop_back();
  return Lease(*this, std::move(db));
}

void ConnectionPool::release(std::unique_ptr<SQLite::Database> db) {
  {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(db));
  }
  cv_.notify_one();
}

Connections::Connections(std::unique_ptr<SQLite::Database> writer,
                         std::vector<std::unique_ptr<SQLite::Database>> readers)
    : writer_([&] {
        std::vector<std::unique_ptr<SQLite::Database>> v;
        v.push_back(std::move(writer));
        return v;
      }()) {
  if (!readers.empty()) readers_ = std::make_unique<ConnectionPool>(std::move(readers));
}

}  // namespace chatd::storage::sqlite
