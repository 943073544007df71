#pragma once
// Typing indicators of one socket: which conversations it is typing in, whether an `on` is
// relayed or held back (at most one per conversation per throttle period: a client that
// sends `on` at every keystroke costs its peers one event per period), and when an `on`
// that was not refreshed runs out. Nothing is stored. Pure: the caller keeps the time, the
// thread and the timer (chat/gateway).
#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <vector>

namespace chatd::chat {

// Where a user types: the public room, a private conversation with `id`, or the group `id`.
struct TypingTarget {
  enum class Kind { kPublic, kPrivate, kGroup };
  Kind kind = Kind::kPublic;
  std::int64_t id = 0;  // the peer or the group; 0 for the public room
  auto operator<=>(const TypingTarget&) const = default;
};

// A `typing` event as the client sent it.
struct TypingSignal {
  TypingTarget target;
  bool on = false;
};

class TypingTracker {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr Clock::duration kThrottle = std::chrono::seconds(2);
  static constexpr Clock::duration kExpiry = std::chrono::seconds(5);
  // Conversations one socket may be typing in at once (a bound on its state).
  static constexpr std::size_t kMaxConversations = 16;

  enum class On {
    kRelay,      // announce it: the first `on`, or the first after a throttle period
    kThrottled,  // a refresh within the period: it only postpones the expiry
    kTooMany,    // a new conversation beyond kMaxConversations: refused, nothing changes
  };
  On on(const TypingTarget& target, Clock::time_point now);
  // True when the socket was typing there (the `off` is to be announced).
  bool off(const TypingTarget& target);
  bool typing(const TypingTarget& target) const;
  // The conversations whose last `on` is kExpiry old by `now`; they are forgotten.
  std::vector<TypingTarget> take_expired(Clock::time_point now);
  // Every conversation it was typing in (the socket leaves); they are forgotten.
  std::vector<TypingTarget> take_all();
  // When the soonest `on` runs out, if any.
  std::optional<Clock::time_point> next_expiry() const;

 private:
  struct Entry {
    TypingTarget target;
    Clock::time_point relayed;    // the last `on` announced
    Clock::time_point refreshed;  // the last `on` received
  };
  std::vector<Entry> entries_;  // a few at most: a vector beats a map
};

}  // namespace chatd::chat
