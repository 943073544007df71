#pragma once
// Group commit for chat messages: concurrent senders' messages are gathered and stored in one
// transaction, and each sender resumes when its batch has committed. Nothing is announced
// before it is stored, yet the database sees few, large writes.
//
// Lanes: independent writers, each committing its own batches one after another. A sender's
// messages always take the same lane, so they are stored, numbered and announced in the order
// they were sent; different senders' batches may commit side by side (PostgreSQL then works on
// several cores and shares its WAL flushes). SQLite allows one writer at a time: one lane.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/repository.hpp"

namespace chatd::chat {

class BatchWriter {
 public:
  // lanes 0: two for PostgreSQL, one for SQLite.
  explicit BatchWriter(storage::Database& db, std::size_t max_batch = 1000, std::size_t lanes = 0);
  ~BatchWriter();
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Stores one message; resumes on the caller's executor with the stored row. Throws what the
  // database threw. on_queued runs as soon as the message has its place in the write order
  // (before any suspension), so that a caller can let its next message go.
  boost::asio::awaitable<storage::Message> store(storage::NewMessage message,
                                                 std::function<void()> on_queued = {});
  // Stores what is queued, then stops; later messages fail.
  void stop();

  std::uint64_t batches() const { return batches_; }
  std::uint64_t stored() const { return stored_; }

 private:
  using Done = std::function<void(std::exception_ptr, storage::Message)>;
  struct Item {
    storage::NewMessage message;
    Done done;
  };
  struct Lane {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<Item> queue;
    bool stopping = false;
    std::thread thread;
  };
  void enqueue(storage::NewMessage message, Done done);
  void run(Lane& lane);

  storage::Database& db_;
  std::size_t max_batch_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> stored_{0};
};

}  // namespace chatd::chat
