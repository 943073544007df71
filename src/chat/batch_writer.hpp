#pragma once
// Group commit for chat messages: concurrent senders' messages are gathered and stored in one
// transaction, and each sender resumes when its batch has committed. Nothing is announced
// before it is stored, yet the database sees few, large writes.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "storage/repository.hpp"

namespace chatd::chat {

class BatchWriter {
 public:
  BatchWriter(storage::Database& db, std::size_t max_batch = 1000);
  ~BatchWriter();
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Stores one message; resumes on the caller's executor with the stored row. Throws what the
  // database threw. on_queued runs as soon as the message has its place in the write order
  // (before any suspension), so that a caller can let its next message go.
  boost::asio::awaitable<storage::Message> store(storage::NewMessage message,
                                                 std::function<void()> on_queued = {});
  void stop();

  std::uint64_t batches() const { return batches_; }
  std::uint64_t stored() const { return stored_; }

 private:
  using Done = std::function<void(std::exception_ptr, storage::Message)>;
  struct Item {
    storage::NewMessage message;
    Done done;
  };
  void enqueue(storage::NewMessage message, Done done);
  void run();

  storage::Database& db_;
  std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> stored_{0};
  std::thread thread_;
};

}  // namespace chatd::chat
