#include "chat/presence_coalescer.hpp"

namespace chatd::chat {

void PresenceCoalescer::add(std::int64_t user, Clock::time_point now) {
  if (open_.insert(user).second) order_.push_back({user, now + window_});
}

std::vector<std::int64_t> PresenceCoalescer::take_due(Clock::time_point now) {
  std::vector<std::int64_t> out;
  while (!order_.empty() && order_.front().due <= now) {
    out.push_back(order_.front().user);
    open_.erase(order_.front().user);
    order_.pop_front();
  }
  return out;
}

std::optional<PresenceCoalescer::Clock::time_point> PresenceCoalescer::next_due() const {
  if (order_.empty()) return std::nullopt;
  return order_.front().due;
}

}  // namespace chatd::chat
