#include "chat/batch_writer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <stdexcept>
#include <utility>

#include "chat/error.hpp"

namespace chatd::chat {
namespace asio = boost::asio;

BatchWriter::BatchWriter(storage::Database& db, std::size_t max_batch, CommitListener on_commit)
    : db_(db),
      on_commit_(std::move(on_commit)),
      max_batch_(max_batch),
      thread_([this] { run(); }) {}

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

void BatchWriter::enqueue(Waiter* w) {
  bool was_empty = false;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      was_empty = queue_.empty();
      queue_.push_back(w);
      w = nullptr;
    }
  }
  if (w) {
    w->error = std::make_exception_ptr(std::runtime_error("message writer stopped"));
    std::vector<Waiter*> one{w};
    resume(one);
    return;
  }
  // The writer only sleeps on an empty queue: later messages need no wake-up call.
  if (was_empty) cv_.notify_one();
}

void BatchWriter::resume(std::vector<Waiter*>& batch) {
  // Few executors (one per I/O thread): a linear search over the groups found so far.
  std::vector<std::vector<Waiter*>> groups;
  for (auto* w : batch) {
    auto it = std::find_if(groups.begin(), groups.end(), [w](const std::vector<Waiter*>& g) {
      return g.front()->executor() == w->executor();
    });
    if (it == groups.end()) {
      groups.emplace_back().push_back(w);
    } else {
      it->push_back(w);
    }
  }
  batch.clear();
  for (auto& group : groups) {
    const auto ex = group.front()->executor();
    asio::post(ex, Completion{std::move(group)});
  }
}

BatchWriter::Completion::~Completion() {
  // Never run (its io_context was destroyed first): free the waiters, and with their handlers
  // the suspended senders' frames, without resuming anyone.
  for (auto* w : waiters) delete w;
}

void BatchWriter::Completion::operator()() {
  auto ws = std::move(waiters);
  for (auto* w : ws) w->complete();
}

void BatchWriter::announce(const std::vector<Waiter*>& batch) {
  if (!on_commit_) return;
  std::vector<Committed> fresh;
  fresh.reserve(batch.size());
  for (const auto* w : batch)
    if (!w->stored.duplicate) fresh.push_back(Committed{w->stored, w->socket});
  if (fresh.empty()) return;
  try {
    on_commit_(fresh);
  } catch (const std::exception& e) {
    // Stored all the same: the senders get their acks, and delivery catches up from the store.
    spdlog::error("announcing a batch of {} messages failed: {}", fresh.size(), e.what());
  }
}

void BatchWriter::run() {
  std::vector<Waiter*> batch;
  std::vector<storage::NewMessage> rows;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      if (queue_.size() <= max_batch_) {
        batch.swap(queue_);
      } else {
        const auto end = queue_.begin() + static_cast<std::ptrdiff_t>(max_batch_);
        batch.assign(queue_.begin(), end);
        queue_.erase(queue_.begin(), end);
      }
    }
    rows.clear();
    rows.reserve(batch.size());
    for (auto* w : batch) rows.push_back(std::move(w->message));
    try {
      auto stored = db_.messages().insert_batch(std::move(rows));
      const auto committed = std::chrono::steady_clock::now();
      ++batches_;
      stored_ += stored.size();
      for (const auto* w : batch) latency_.observe(committed - w->queued);
      for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->stored = std::move(stored[i]);
      announce(batch);
    } catch (const storage::OutcomeUnknownError&) {
      // Logged by the backend. Stored or not, the senders are told so: a retry with the same
      // clientMsgId settles it. If it was stored, delivery finds it in the store.
      auto error = std::make_exception_ptr(ChatError(ErrorKind::kOutcomeUnknown, kOutcomeUnknown));
      failed_ += batch.size();
      for (auto* w : batch) w->error = error;
    } catch (const std::exception& e) {
      // A database outage is logged by the backend; anything else that fails batch after batch
      // is counted here: a line per 10 s.
      if (!dynamic_cast<const storage::UnavailableError*>(&e)) errors_.add(e.what());
      auto error = std::current_exception();
      failed_ += batch.size();
      for (auto* w : batch) w->error = error;
    }
    resume(batch);
  }
}

}  // namespace chatd::chat
