#pragma once
// One socket's messages enter the write order one after another, so a burst keeps its order even
// when one message waits for a recipient look-up or a storage check. Only that first phase is
// serial: once a message has its place (BatchWriter's on_queued), the next one goes, and the
// commits of consecutive messages overlap.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <vector>

namespace chatd::chat {

// The turns of one socket; used on that socket's executor only (no lock).
class TurnQueue {
 public:
  // Resumes when it is the caller's turn: at once when nobody holds it, else in arrival order.
  boost::asio::awaitable<void> acquire();
  // Gives the turn to the next waiter, if any.
  void release();

 private:
  bool busy_ = false;
  // A vector, not a deque: it is empty almost always, and an empty deque still allocates ~0.5 KB
  // per connection.
  std::vector<boost::asio::steady_timer*> waiting_;
};

// A turn held (after TurnQueue::acquire): given back when dropped (say, on a validation error),
// or handed over as the callback the service runs once the message has its place. Holding the
// queue's owner keeps the queue alive until then, even if the socket is gone.
class Turn {
 public:
  explicit Turn(std::shared_ptr<TurnQueue> queue) : queue_(std::move(queue)) {}
  Turn(const Turn&) = delete;
  Turn& operator=(const Turn&) = delete;
  ~Turn() {
    if (queue_) queue_->release();
  }
  // Small enough for std::function's inline storage: no allocation.
  std::function<void()> hand_over() {
    return [queue = std::move(queue_)] { queue->release(); };
  }

 private:
  std::shared_ptr<TurnQueue> queue_;
};

}  // namespace chatd::chat
