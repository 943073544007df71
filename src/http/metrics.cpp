#include "http/metrics.hpp"

#include <sstream>

namespace chatd::http {
namespace {

std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void Metrics::observe_request(const std::string& method, const std::string& route, int status,
                              double seconds) {
  std::lock_guard lock(mutex_);
  ++counts_[{method, route, status}];
  auto& s = latency_[{method, route}];
  ++s.count;
  s.sum += seconds;
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++s.buckets[i];
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  callbacks_.push_back({std::move(name), std::move(help), "gauge", std::move(read)});
}

void Metrics::add_counter(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  callbacks_.push_back({std::move(name), std::move(help), "counter", std::move(read)});
}

void Metrics::add_histogram(std::string name, std::string help, const core::Histogram& histogram) {
  std::lock_guard lock(mutex_);
  histograms_.push_back({std::move(name), std::move(help), &histogram});
}

std::string Metrics::prometheus() const {
  std::ostringstream out;
  // Counters past a million would otherwise print as 1.23457e+06, and rate() over them would
  // move in steps; 15 digits keep integers exact and bounds such as 0.1 short.
  out.precision(15);
  std::lock_guard lock(mutex_);
  out << "# HELP chatd_http_requests_total HTTP requests by method, route and status.\n"
         "# TYPE chatd_http_requests_total counter\n";
  for (const auto& [key, n] : counts_) {
    const auto& [method, route, status] = key;
    out << "chatd_http_requests_total{method=\"" << label(method) << "\",route=\"" << label(route)
        << "\",status=\"" << status << "\"} " << n << '\n';
  }
  out << "# HELP chatd_http_request_duration_seconds HTTP request latency.\n"
         "# TYPE chatd_http_request_duration_seconds histogram\n";
  for (const auto& [key, s] : latency_) {
    const std::string labels =
        "method=\"" + label(key.first) + "\",route=\"" + label(key.second) + "\"";
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
      out << "chatd_http_request_duration_seconds_bucket{" << labels << ",le=\"" << kBuckets[i]
          << "\"} " << s.buckets[i] << '\n';
    out << "chatd_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} " << s.count
        << '\n';
    out << "chatd_http_request_duration_seconds_sum{" << labels << "} " << s.sum << '\n';
    out << "chatd_http_request_duration_seconds_count{" << labels << "} " << s.count << '\n';
  }
  for (const auto& c : callbacks_) {
    out << "# HELP " << c.name << ' ' << c.help << "\n# TYPE " << c.name << ' ' << c.type << '\n'
        << c.name << ' ' << c.read() << '\n';
  }
  for (const auto& h : histograms_) {
    const auto s = h.histogram->snapshot();
    out << "# HELP " << h.name << ' ' << h.help << "\n# TYPE " << h.name << " histogram\n";
    for (std::size_t i = 0; i < s.bounds.size(); ++i)
      out << h.name << "_bucket{le=\"" << s.bounds[i] << "\"} " << s.cumulative[i] << '\n';
    out << h.name << "_bucket{le=\"+Inf\"} " << s.count() << '\n'
        << h.name << "_sum " << s.sum_seconds << '\n'
        << h.name << "_count " << s.count() << '\n';
  }
  return out.str();
}

}  // namespace chatd::http
