#include "realtime/socketio/json_reader.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <string>

#include <boost/json/parse.hpp>

#include "realtime/socketio/json_writer.hpp"

namespace chatd::socketio {
namespace {

namespace json = boost::json;

double exact(std::string_view text) {
  double d = 0;
  std::from_chars(text.data(), text.data() + text.size(), d);
  return d;
}

TEST(JsonReader, ParsesLikeBoostForOrdinaryDocuments) {
  for (std::string_view text :
       {R"({"a":[1,-2,"x",true,false,null,{"b":{}}],"c":"\u00e9\n"})", "[]", "{}", " 1 ", R"("s")",
        "18446744073709551615", "-9223372036854775808"}) {
    auto v = parse_json(text, 32);
    ASSERT_TRUE(v) << text;
    EXPECT_EQ(*v, json::parse(text)) << text;
  }
}

TEST(JsonReader, DoublesAreCorrectlyRounded) {
  // Boost 1.81 reads the first one 1 ulp off; a fuzzer found it.
  for (std::string_view text :
       {"90079192547440919925472", "9.007919254744092e+22", "0.1", "0.30000000000000004",
        "2.2250738585072011e-308", "4.9406564584124654e-324", "1.7976931348623157e308",
        "123456789.123456789e-3", "-0.0", "1E2", "1e+2", "1.5e-7", "3.141592653589793238462643",
        "0.000000000000000000000000000000000000000000001"}) {
    auto v = parse_json(text, 32);
    ASSERT_TRUE(v) << text;
    ASSERT_TRUE(v->is_double()) << text;
    EXPECT_EQ(v->get_double(), exact(text)) << text;
    EXPECT_EQ(std::signbit(v->get_double()), std::signbit(exact(text))) << text;
  }
}

TEST(JsonReader, WriterOutputReadsBackToTheSameDouble) {
  for (double d : {0.1, 1.0 / 3, 1e21, 1e-7, 5e-324, 9.007919254744092e+22, 123.456}) {
    std::string text;
    append_json(text, json::value(d));
    auto v = parse_json(text, 32);
    ASSERT_TRUE(v) << text;
    EXPECT_EQ(v->to_number<double>(), d) << text;
  }
}

TEST(JsonReader, OutOfRangeFollowsJsonParse) {
  auto big = parse_json("[1e400,-1e400,1e-400]", 32);
  ASSERT_TRUE(big);
  EXPECT_TRUE(std::isinf(big->as_array()[0].get_double()));
  EXPECT_TRUE(std::isinf(big->as_array()[1].get_double()));
  EXPECT_EQ(big->as_array()[2].get_double(), 0.0);
}

TEST(JsonReader, RejectsMalformedText) {
  for (std::string_view text :
       {"",         " ",          "[1,]",       "{\"a\":1,}", "[1] [2]",    "[1]x",    "01",
        "1.",       ".5",         "+1",         "-",          "1e",         "NaN",     "Infinity",
        "'a'",      "[\"\xff\"]", "\"\\ud80\"", "/* c */ 1",  "[1 // c\n]", "{\"a\"}", "{1:2}",
        "\"\x01\"", "tru",        "nul",        "[",          "{"}) {
    EXPECT_FALSE(parse_json(text, 32)) << testing::PrintToString(text);
  }
}

// As JSON.parse: an escaped surrogate without its other half is accepted, and becomes U+FFFD
// (UTF-8 cannot hold it); pairs, escaped backslashes and text outside strings are untouched.
TEST(JsonReader, LoneSurrogateEscapesBecomeReplacementCharacters) {
  const auto read = [](std::string_view text) { return parse_json(text, 32); };
  EXPECT_EQ(*read(R"("\ud800")"), json::value("\xef\xbf\xbd"));
  EXPECT_EQ(*read(R"("\uDC00x")"), json::value("\xef\xbf\xbdx"));
  EXPECT_EQ(*read(R"(["a\ud83d", "\ud83d\ude00", "\ud83d\ud83d\ude00"])"),
            json::parse(R"(["a\ufffd", "\ud83d\ude00", "\ufffd\ud83d\ude00"])"));
  EXPECT_EQ(*read(R"({"k\ud800":"\\ud800"})"), json::parse(R"({"k\ufffd":"\\ud800"})"));
  EXPECT_EQ(*read(R"(["\ud83d"])"), json::parse(R"(["\ufffd"])"));
  EXPECT_FALSE(read(R"("\ud800)"));  // still malformed: unterminated
  EXPECT_FALSE(read(R"("\ud8")"));
}

TEST(JsonReader, DepthLimit) {
  const std::string at_limit = std::string(8, '[') + std::string(8, ']');
  const std::string past_limit = std::string(9, '[') + std::string(9, ']');
  EXPECT_TRUE(parse_json(at_limit, 8));
  EXPECT_FALSE(parse_json(past_limit, 8));
  JsonFailure why = JsonFailure::malformed;
  EXPECT_FALSE(parse_json(past_limit, 8, why));
  EXPECT_EQ(why, JsonFailure::too_deep);
  why = JsonFailure::too_deep;
  EXPECT_FALSE(parse_json("[1,]", 8, why));
  EXPECT_EQ(why, JsonFailure::malformed);
}

}  // namespace
}  // namespace chatd::socketio
