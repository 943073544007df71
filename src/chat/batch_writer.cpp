#include "chat/batch_writer.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace chatd::chat {
namespace asio = boost::asio;

BatchWriter::BatchWriter(storage::Database& db, std::size_t max_batch)
    : db_(db), max_batch_(max_batch), thread_([this] { run(); }) {}

BatchWriter::~BatchWriter() {
  stop();
}

void BatchWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BatchWriter::enqueue(storage::NewMessage message, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      done(std::make_exception_ptr(std::runtime_error("message writer stopped")), {});
      return;
    }
    queue_.push_back({std::move(message), std::move(done)});
  }
  cv_.notify_one();
}

asio::awaitable<storage::Message> BatchWriter::store(storage::NewMessage message,
                                                     std::function<void()> on_queued) {
  auto initiation = [this, m = std::move(message), q = std::move(on_queued)](auto handler) mutable {
    using Handler = decltype(handler);
    auto h = std::make_shared<Handler>(std::move(handler));
    enqueue(std::move(m), [h](std::exception_ptr e, storage::Message stored) {
      // Resume the sender on its own executor, not on the writer thread.
      auto ex = asio::get_associated_executor(*h);
      asio::post(ex, [h, e, stored = std::move(stored)]() mutable { (*h)(e, std::move(stored)); });
    });
    if (q) q();
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>,
                                          void(std::exception_ptr, storage::Message)>(
      std::move(initiation), asio::use_awaitable);
}

void BatchWriter::run() {
  std::vector<Item> batch;
  std::vector<storage::NewMessage> rows;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    rows.clear();
    rows.reserve(batch.size());
    for (auto& item : batch) rows.push_back(std::move(item.message));
    try {
      auto stored = db_.messages().insert_batch(rows);
      ++batches_;
      stored_ += stored.size();
      for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(nullptr, std::move(stored[i]));
    } catch (const std::exception& e) {
      spdlog::error("storing a batch of {} messages failed: {}", batch.size(), e.what());
      auto error = std::current_exception();
      for (auto& item : batch) item.done(error, {});
    }
    batch.clear();
  }
}

}  // namespace chatd::chat
