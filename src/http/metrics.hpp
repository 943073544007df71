#pragma once
// Request counters and latency histograms in Prometheus text format, plus gauges that other
// modules register (connections, queue depths).
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "core/histogram.hpp"

namespace chatd::http {

class Metrics {
 public:
  void observe_request(const std::string& method, const std::string& route, int status,
                       double seconds);
  void add_gauge(std::string name, std::string help, std::function<double()> read);
  void add_counter(std::string name, std::string help, std::function<double()> read);
  // A histogram another module owns and observes; it must outlive this.
  void add_histogram(std::string name, std::string help, const core::Histogram& histogram);
  std::string prometheus() const;

 private:
  static constexpr std::array<double, 10> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025,
                                                   0.05,  0.1,    0.25,  0.5,  1.0};
  struct Series {
    std::uint64_t count = 0;
    double sum = 0;
    std::array<std::uint64_t, kBuckets.size()> buckets{};
  };
  struct Callback {
    std::string name, help, type;
    std::function<double()> read;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> counts_;
  std::map<std::pair<std::string, std::string>, Series> latency_;
  std::vector<Callback> callbacks_;
  struct Owned {
    std::string name, help;
    const core::Histogram* histogram;
  };
  std::vector<Owned> histograms_;
};

}  // namespace chatd::http
