#include "chat/batch_writer.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>

namespace chatd::chat {
namespace asio = boost::asio;

namespace {

std::size_t default_lanes(storage::Database& db) {
  if (const char* v = std::getenv("CHATD_WRITER_LANES")) return std::max(1, std::atoi(v));
  return db.backend_name() == "sqlite" ? 1 : 2;
}

}  // namespace

BatchWriter::BatchWriter(storage::Database& db, std::size_t max_batch, std::size_t lanes)
    : db_(db), max_batch_(max_batch) {
  if (lanes == 0) lanes = default_lanes(db);
  for (std::size_t i = 0; i < lanes; ++i) lanes_.push_back(std::make_unique<Lane>());
  for (auto& lane : lanes_) lane->thread = std::thread([this, l = lane.get()] { run(*l); });
}

BatchWriter::~BatchWriter() { stop(); }

void BatchWriter::stop() {
  for (auto& lane : lanes_) {
    {
      std::lock_guard lock(lane->mutex);
      lane->stopping = true;
    }
    lane->cv.notify_all();
  }
  for (auto& lane : lanes_)
    if (lane->thread.joinable()) lane->thread.join();
}

void BatchWriter::enqueue(storage::NewMessage message, Done done) {
  auto& lane = *lanes_[static_cast<std::uint64_t>(message.sender_id) % lanes_.size()];
  {
    std::lock_guard lock(lane.mutex);
    if (lane.stopping) {
      done(std::make_exception_ptr(std::runtime_error("message writer stopped")), {});
      return;
    }
    lane.queue.push_back({std::move(message), std::move(done)});
  }
  lane.cv.notify_one();
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

void BatchWriter::run(Lane& lane) {
  std::vector<Item> batch;
  std::vector<storage::NewMessage> rows;
  for (;;) {
    {
      std::unique_lock lock(lane.mutex);
      lane.cv.wait(lock, [&lane] { return lane.stopping || !lane.queue.empty(); });
      if (lane.queue.empty() && lane.stopping) return;
      while (!lane.queue.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(lane.queue.front()));
        lane.queue.pop_front();
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
