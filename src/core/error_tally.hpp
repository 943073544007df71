#pragma once
// Repeated errors as a few log lines instead of one per occurrence: an outage (a database that
// does not answer, a full file table) can fail thousands of calls a second. The first error after
// a quiet spell is written at once; the ones after it are counted and written as one line,
// "<what>: 1,234 errors in the last 10 s: <the last one>", with the first error that comes once
// the interval has passed. Thread-safe.
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace chatd::core {

// "1234567" -> "1,234,567".
std::string group_thousands(std::uint64_t n);

class ErrorTally {
 public:
  using Clock = std::chrono::steady_clock;
  // Where a line goes; spdlog's warn level unless a test says otherwise.
  using Sink = std::function<void(const std::string& line)>;

  explicit ErrorTally(std::string what,
                      std::chrono::milliseconds interval = std::chrono::seconds(10), Sink sink = {},
                      std::function<Clock::time_point()> now = {});

  // Counts one error; writes a line when the interval since the last one has passed.
  void add(std::string_view error);
  // Errors counted since the last line, forgotten from here on (an outage's closing line
  // reports them).
  std::uint64_t take_unwritten();

 private:
  std::string what_;
  Clock::duration interval_;
  Sink sink_;
  std::function<Clock::time_point()> now_;
  std::mutex mutex_;
  bool written_ = false;
  Clock::time_point last_written_{};
  std::uint64_t unwritten_ = 0;
};

}  // namespace chatd::core
