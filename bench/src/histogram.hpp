#pragma once
// Log-linear latency histogram (microseconds): exact below 128 µs, then 64 buckets per power of
// two (under 1.6 % error), up to about 2^40 µs. Recording is a few instructions, no allocation.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace bench {

class Histogram {
 public:
  void record(std::int64_t value_us) {
    const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(value_us, 0));
    ++counts_[index(v)];
    ++total_;
    max_ = std::max(max_, v);
    sum_ += v;
  }
  void merge(const Histogram& other) {
    for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
  }
  void reset() { *this = Histogram(); }

  std::uint64_t count() const { return total_; }
  std::uint64_t max() const { return max_; }
  double mean() const {
    return total_ ? static_cast<double>(sum_) / static_cast<double>(total_) : 0;
  }

  // The value below which a fraction q of the recorded values lie (bucket midpoint), in µs.
  double percentile(double q) const {
    if (total_ == 0) return 0;
    const auto target = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(q * static_cast<double>(total_) + 0.999999));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= target) {
        const double lo = static_cast<double>(lower(i));
        const double hi = static_cast<double>(lower(i + 1));
        return std::min((lo + hi) / 2, static_cast<double>(max_));
      }
    }
    return static_cast<double>(max_);
  }

 private:
  static constexpr int kSubBits = 6;                          // 64 buckets per octave
  static constexpr std::uint64_t kLinear = 2ULL << kSubBits;  // exact below 128
  static constexpr std::size_t kBuckets = kLinear + 40 * (1ULL << kSubBits);

  static std::size_t index(std::uint64_t v) {
    if (v < kLinear) return static_cast<std::size_t>(v);
    const int shift = std::bit_width(v) - (kSubBits + 1);
    const std::uint64_t mant = v >> shift;  // in [64, 128)
    const std::size_t i = kLinear + static_cast<std::size_t>(shift - 1) * (1ULL << kSubBits) +
                          static_cast<std::size_t>(mant - (1ULL << kSubBits));
    return std::min(i, kBuckets - 1);
  }
  static std::uint64_t lower(std::size_t i) {
    if (i < kLinear) return i;
    const std::size_t k = i - kLinear;
    const int shift = static_cast<int>(k >> kSubBits) + 1;
    const std::uint64_t mant = (k & ((1ULL << kSubBits) - 1)) + (1ULL << kSubBits);
    return mant << shift;
  }

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t sum_ = 0;
};

}  // namespace bench
