#pragma once
// Presence changes held for a short window per user: a user's first change opens a window, the
// changes within it join it, and when it ends the user is settled once (presence::Presence::
// settle: announced if their state differs from the one last announced). A device that
// reconnects at once (a page reload, a network blip) announces nothing, and a connect storm's
// changes leave in batches. Pure: the caller keeps the time and the thread (PresenceFeed).
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_set>
#include <vector>

namespace chatd::chat {

class PresenceCoalescer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit PresenceCoalescer(Clock::duration window) : window_(window) {}

  // A transition of `user`: opens a window ending `window` after `now`, unless one is open.
  void add(std::int64_t user, Clock::time_point now);
  // The users whose window has ended by `now`, in the order their windows began.
  std::vector<std::int64_t> take_due(Clock::time_point now);
  // When the oldest open window ends, if any.
  std::optional<Clock::time_point> next_due() const;
  bool empty() const { return order_.empty(); }

 private:
  struct Opened {
    std::int64_t user;
    Clock::time_point due;
  };
  Clock::duration window_;
  std::deque<Opened> order_;  // by due time: every window has the same length
  std::unordered_set<std::int64_t> open_;
};

}  // namespace chatd::chat
