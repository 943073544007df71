#pragma once
// A Prometheus histogram of durations that any thread may observe on a hot path: fixed bucket
// bounds, and per observation two relaxed atomic adds (its bucket, the sum) and no lock. A
// scrape reads the buckets one by one, so it may see an observation in the count before the
// sum: Prometheus tolerates that, and nothing here is worth a lock.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace chatd::core {

class Histogram {
 public:
  // Upper bounds of the buckets in seconds, increasing (the +Inf bucket is implicit).
  explicit Histogram(std::vector<double> bounds_seconds);

  void observe(std::chrono::nanoseconds duration) noexcept {
    const auto ns = duration.count() < 0 ? 0 : duration.count();
    std::size_t i = 0;
    while (i < bounds_ns_.size() && ns > bounds_ns_[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
  }

  struct Snapshot {
    std::span<const double> bounds;         // seconds
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (= count)
    double sum_seconds = 0;
    std::uint64_t count() const { return cumulative.back(); }
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::vector<std::int64_t> bounds_ns_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, +Inf last; not cumulative
  std::atomic<std::uint64_t> sum_ns_{0};
};

}  // namespace chatd::core
