#include "realtime/engineio/heartbeats.hpp"

#include <algorithm>

#include "realtime/engineio/session.hpp"

namespace chatd::engineio {
namespace {

// For std::push_heap / pop_heap: the earliest entry on top.
struct Later {
  template <typename E>
  bool operator()(const E& a, const E& b) const {
    return a.due > b.due;
  }
};

}  // namespace

Heartbeats::Heartbeats(boost::asio::execution_context& context)
    : service(context), timer_(static_cast<boost::asio::io_context&>(context)) {}

void Heartbeats::schedule(std::weak_ptr<Session> session, Clock::time_point due) {
  heap_.push_back({due, std::move(session)});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  if (due < armed_at_) arm(due);
}

void Heartbeats::arm(Clock::time_point due) {
  armed_at_ = due;
  timer_.expires_at(due);  // a wait already pending completes with operation_aborted
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    armed_at_ = Clock::time_point::max();
    fire();
  });
}

void Heartbeats::fire() {
  const auto now = Clock::now();
  while (!heap_.empty() && heap_.front().due <= now) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    Entry e = std::move(heap_.back());
    heap_.pop_back();
    // May schedule again (a ping's timeout, the next ping): pushed behind, as the entry is out.
    if (auto s = e.session.lock()) s->heartbeat_due(e.due);
  }
  // A heap that shrank a lot (many sessions gone) gives its memory back.
  if (heap_.capacity() > 1024 && heap_.size() < heap_.capacity() / 4) heap_.shrink_to_fit();
  if (!heap_.empty()) arm(heap_.front().due);
}

void Heartbeats::shutdown() {
  timer_.cancel();
  heap_.clear();
}

}  // namespace chatd::engineio
