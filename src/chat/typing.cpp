#include "chat/typing.hpp"

#include <algorithm>

namespace chatd::chat {

TypingTracker::On TypingTracker::on(const TypingTarget& target, Clock::time_point now) {
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [&](const Entry& e) { return e.target == target; });
  if (it == entries_.end()) {
    if (entries_.size() >= kMaxConversations) return On::kTooMany;
    entries_.push_back(Entry{target, now, now});
    return On::kRelay;
  }
  it->refreshed = now;
  if (now - it->relayed < kThrottle) return On::kThrottled;
  it->relayed = now;
  return On::kRelay;
}

bool TypingTracker::off(const TypingTarget& target) {
  return std::erase_if(entries_, [&](const Entry& e) { return e.target == target; }) > 0;
}

bool TypingTracker::typing(const TypingTarget& target) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Entry& e) { return e.target == target; });
}

std::vector<TypingTarget> TypingTracker::take_expired(Clock::time_point now) {
  std::vector<TypingTarget> expired;
  std::erase_if(entries_, [&](const Entry& e) {
    if (now - e.refreshed < kExpiry) return false;
    expired.push_back(e.target);
    return true;
  });
  return expired;
}

std::vector<TypingTarget> TypingTracker::take_all() {
  std::vector<TypingTarget> all;
  all.reserve(entries_.size());
  for (const auto& e : entries_) all.push_back(e.target);
  entries_.clear();
  return all;
}

std::optional<TypingTracker::Clock::time_point> TypingTracker::next_expiry() const {
  if (entries_.empty()) return std::nullopt;
  const auto soonest =
      std::min_element(entries_.begin(), entries_.end(),
                       [](const Entry& a, const Entry& b) { return a.refreshed < b.refreshed; });
  return soonest->refreshed + kExpiry;
}

}  // namespace chatd::chat
