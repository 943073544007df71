#include "app/database_probe.hpp"

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "core/await_callback.hpp"

namespace chatd::app {
namespace asio = boost::asio;

// A caller waiting for a ping; answered once, by the ping or by its timer, whichever is first.
struct DatabaseProbe::Waiter {
  explicit Waiter(std::function<void(bool)> r) : resume(std::move(r)) {}
  void answer(bool up) {
    if (!answered.exchange(true)) resume(up);
  }
  std::function<void(bool)> resume;
  std::atomic<bool> answered{false};
};

DatabaseProbe::DatabaseProbe(storage::Database& db, std::chrono::milliseconds answer_within)
    : db_(db), within_(answer_within), thread_([this] { run(); }) {}

DatabaseProbe::~DatabaseProbe() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

asio::awaitable<bool> DatabaseProbe::up() {
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, within_);
  auto start = [this, timer](std::function<void(bool)> resume) {
    auto waiter = std::make_shared<Waiter>(std::move(resume));
    // Not cancelled when the ping answers first (the timer belongs to the caller's thread):
    // it then finds the waiter answered.
    timer->async_wait([waiter](const boost::system::error_code&) { waiter->answer(false); });
    {
      std::lock_guard lock(mutex_);
      waiting_.push_back(std::move(waiter));
    }
    cv_.notify_one();
  };
  co_return co_await core::await_callback<bool>(std::move(start));
}

void DatabaseProbe::run() {
  // The ping's own deadline leaves the caller's timer some room to hear its answer.
  const auto ping_within = within_ * 3 / 4;
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
    if (stopping_) break;
    auto batch = std::move(waiting_);
    waiting_.clear();
    lock.unlock();
    bool up = false;
    try {
      up = db_.ping(ping_within);
    } catch (const std::exception&) {
      up = false;
    }
    for (auto& w : batch) w->answer(up);
    lock.lock();
  }
  // Those still waiting hear it from their timers.
}

}  // namespace chatd::app
