#include "core/error_tally.hpp"

#include <spdlog/spdlog.h>

namespace chatd::core {

std::string group_thousands(std::uint64_t n) {
  auto digits = std::to_string(n);
  for (auto pos = static_cast<std::ptrdiff_t>(digits.size()) - 3; pos > 0; pos -= 3)
    digits.insert(static_cast<std::size_t>(pos), 1, ',');
  return digits;
}

ErrorTally::ErrorTally(std::string what, std::chrono::milliseconds interval, Sink sink,
                       std::function<Clock::time_point()> now)
    : what_(std::move(what)),
      interval_(interval),
      sink_(sink ? std::move(sink) : [](const std::string& line) { spdlog::warn("{}", line); }),
      now_(now ? std::move(now) : [] { return Clock::now(); }) {}

void ErrorTally::add(std::string_view error) {
  std::string line;
  {
    std::lock_guard lock(mutex_);
    ++unwritten_;
    const auto now = now_();
    if (written_ && now - last_written_ < interval_) return;
    if (unwritten_ == 1) {
      line = what_ + ": " + std::string(error);
    } else {
      const auto seconds =
          std::chrono::duration_cast<std::chrono::seconds>(now - last_written_).count();
      line = what_ + ": " + group_thousands(unwritten_) + " errors in the last " +
             std::to_string(seconds) + " s: " + std::string(error);
    }
    written_ = true;
    last_written_ = now;
    unwritten_ = 0;
  }
  sink_(line);
}

std::uint64_t ErrorTally::take_unwritten() {
  std::lock_guard lock(mutex_);
  return std::exchange(unwritten_, 0);
}

}  // namespace chatd::core
