#include "app/log_format.hpp"

#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>

#include <boost/json/parse.hpp>
#include <string>

#include "core/log_fields.hpp"

namespace chatd::app {
namespace {

std::string format(const std::string& kind, spdlog::level::level_enum level,
                   std::string_view message) {
  const auto formatter = make_log_formatter(kind);
  spdlog::details::log_msg msg(spdlog::source_loc{}, "chatd", level,
                               spdlog::string_view_t(message.data(), message.size()));
  msg.time = spdlog::log_clock::time_point(std::chrono::milliseconds(1764804018032));
  spdlog::memory_buf_t out;
  formatter->format(msg, out);
  return std::string(out.data(), out.size());
}

TEST(LogFormat, JsonIsOneObjectPerLineWithTimeLevelMessageAndFields) {
  const core::LogField fields[]{{"request_id", "abc-1"}, {"remote", "127.0.0.1"}};
  const core::LogFields scope(fields);
  const auto line = format("json", spdlog::level::warn, "db \"slow\"\nsecond line");
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  const auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v.at("time").as_string(), "2025-12-03T23:20:18.032Z");
  EXPECT_EQ(v.at("level").as_string(), "warning");
  EXPECT_EQ(v.at("message").as_string(), "db \"slow\"\nsecond line");
  EXPECT_EQ(v.at("fields").as_object().at("request_id").as_string(), "abc-1");
  EXPECT_EQ(v.at("fields").as_object().at("remote").as_string(), "127.0.0.1");
}

TEST(LogFormat, JsonOutsideAnyScopeHasEmptyFieldsAndSurvivesBadBytes) {
  const auto line = format("json", spdlog::level::info, "ctl \x01 bad \xff end caf\xc3\xa9");
  const auto v = boost::json::parse(line).as_object();
  EXPECT_TRUE(v.at("fields").as_object().empty());
  EXPECT_EQ(v.at("message").as_string(), "ctl \x01 bad \xef\xbf\xbd end caf\xc3\xa9");
}

TEST(LogFormat, ScopesNestAndEnd) {
  const core::LogField outer[]{{"a", "1"}};
  {
    const core::LogFields one(outer);
    const core::LogField inner[]{{"b", "2"}};
    {
      const core::LogFields two(inner);
      EXPECT_EQ(core::LogFields::current().size(), 1u);
      EXPECT_EQ(core::LogFields::current()[0].first, "b");
    }
    EXPECT_EQ(core::LogFields::current()[0].first, "a");
  }
  EXPECT_TRUE(core::LogFields::current().empty());
}

TEST(LogFormat, TextAppendsTheFieldsAfterTheMessage) {
  const core::LogField fields[]{{"request_id", "abc-1"}};
  const core::LogFields scope(fields);
  const auto line = format("text", spdlog::level::info, "hello");
  EXPECT_NE(line.find("[info] hello request_id=abc-1\n"), std::string::npos) << line;
  EXPECT_EQ(line.rfind("[2025-12-0", 0), 0u) << line;
}

}  // namespace
}  // namespace chatd::app
