#include "http/metrics.hpp"

#include <gtest/gtest.h>

namespace chatd::http {
namespace {

TEST(Metrics, LargeCountersKeepEveryDigit) {
  Metrics m;
  m.add_counter("chatd_things_total", "Things.", [] { return 123456789.0; });
  m.add_gauge("chatd_level", "A level.", [] { return 0.25; });
  const auto text = m.prometheus();
  EXPECT_NE(text.find("# TYPE chatd_things_total counter\nchatd_things_total 123456789\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("chatd_level 0.25\n"), std::string::npos) << text;
}

TEST(Metrics, AHistogramIsRenderedWithCumulativeBucketsSumAndCount) {
  core::Histogram h({0.0005, 0.1, 2.5});
  h.observe(std::chrono::microseconds(100));
  h.observe(std::chrono::milliseconds(50));
  h.observe(std::chrono::seconds(3));
  Metrics m;
  m.add_histogram("chatd_wait_seconds", "Waits.", h);
  const auto text = m.prometheus();
  EXPECT_NE(text.find("# HELP chatd_wait_seconds Waits.\n"
                      "# TYPE chatd_wait_seconds histogram\n"
                      "chatd_wait_seconds_bucket{le=\"0.0005\"} 1\n"
                      "chatd_wait_seconds_bucket{le=\"0.1\"} 2\n"
                      "chatd_wait_seconds_bucket{le=\"2.5\"} 2\n"
                      "chatd_wait_seconds_bucket{le=\"+Inf\"} 3\n"
                      "chatd_wait_seconds_sum 3.0501\n"
                      "chatd_wait_seconds_count 3\n"),
            std::string::npos)
      << text;
}

TEST(Metrics, RequestLatencyBucketsAreCumulative) {
  Metrics m;
  m.observe_request("GET", "/health", 200, 0.002);
  m.observe_request("GET", "/health", 200, 2.0);
  const auto text = m.prometheus();
  EXPECT_NE(
      text.find("chatd_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 2"),
      std::string::npos);
  EXPECT_NE(text.find("route=\"/health\",le=\"0.001\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("route=\"/health\",le=\"0.0025\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("route=\"/health\",le=\"+Inf\"} 2\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace chatd::http
