#include "storage/postgres/watchdog.hpp"

#include <sys/socket.h>

#include <algorithm>

namespace chatd::storage::postgres {

Watchdog::Entry::Entry(Watchdog& dog, Clock::time_point deadline) : dog_(dog), deadline_(deadline) {
  bool earlier = false;
  {
    std::lock_guard lock(dog_.mutex_);
    dog_.entries_.push_back(this);
    earlier = deadline < dog_.wake_at_;
    if (earlier) dog_.wake_at_ = deadline;
  }
  // Calls mostly share one timeout, so a new deadline is rarely the earliest: no wake-up then.
  if (earlier) dog_.cv_.notify_one();
}

Watchdog::Entry::~Entry() {
  std::lock_guard lock(dog_.mutex_);
  std::erase(dog_.entries_, this);
}

void Watchdog::Entry::watch(int fd) {
  std::lock_guard lock(dog_.mutex_);
  fd_ = fd;
  if (expired_ && fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

bool Watchdog::Entry::expired() const {
  std::lock_guard lock(dog_.mutex_);
  return expired_;
}

Watchdog::Watchdog() : thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Watchdog::expire(Entry& e) {
  e.expired_ = true;
  // shutdown(), not close(): the descriptor stays the caller's, which closes it when it drops
  // the connection; the blocked recv() returns at once.
  if (e.fd_ >= 0) ::shutdown(e.fd_, SHUT_RDWR);
}

void Watchdog::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto now = Clock::now();
    auto next = Clock::time_point::max();
    for (auto* e : entries_) {
      if (e->expired_) continue;
      if (e->deadline_ <= now)
        expire(*e);
      else
        next = std::min(next, e->deadline_);
    }
    wake_at_ = next;
    if (next == Clock::time_point::max())
      cv_.wait(lock);
    else
      cv_.wait_until(lock, next);
  }
}

}  // namespace chatd::storage::postgres
