#include "realtime/socketio/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include <boost/json/parse.hpp>

namespace chatd::socketio {
namespace {

namespace json = boost::json;
using namespace std::string_literals;

std::string write(const json::value& v) {
  std::string out;
  append_json(out, v);
  return out;
}

TEST(JsonWriter, DoublesMatchJavaScript) {
  // Expected strings are what JSON.stringify prints in Node.
  const std::pair<double, std::string_view> cases[] = {
      {1.5, "1.5"},
      {1.0, "1"},
      {-2.0, "-2"},
      {-0.0, "0"},
      {0.1 + 0.2, "0.30000000000000004"},
      {100.0, "100"},
      {123.456, "123.456"},
      {1e20, "100000000000000000000"},
      {1e21, "1e+21"},
      {1.5e21, "1.5e+21"},
      {123456789012345680000.0, "123456789012345680000"},
      {0.000001, "0.000001"},
      {0.0000012, "0.0000012"},
      {1e-7, "1e-7"},
      {1.25e-7, "1.25e-7"},
      {-1e-7, "-1e-7"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {9007199254740993.0, "9007199254740992"},
      {0.5, "0.5"},
      {3.14159, "3.14159"},
  };
  for (const auto& [d, expected] : cases) EXPECT_EQ(write(json::value(d)), expected) << d;
}

TEST(JsonWriter, NonFiniteDoublesBecomeNull) {
  EXPECT_EQ(write(json::value(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(write(json::value(-std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(write(json::value(std::nan(""))), "null");
  std::string s;
  append_js_number(s, std::numeric_limits<double>::infinity());
  EXPECT_EQ(s, "Infinity");  // String(Infinity), used for event names
}

TEST(JsonWriter, IntegersAndScalars) {
  EXPECT_EQ(write(json::value(0)), "0");
  EXPECT_EQ(write(json::value(std::int64_t{-9223372036854775807 - 1})), "-9223372036854775808");
  EXPECT_EQ(write(json::value(std::uint64_t{18446744073709551615ULL})), "18446744073709551615");
  EXPECT_EQ(write(json::value(true)), "true");
  EXPECT_EQ(write(json::value(false)), "false");
  EXPECT_EQ(write(json::value(nullptr)), "null");
}

TEST(JsonWriter, StringEscapesLikeJsonStringify) {
  EXPECT_EQ(write(json::value("plain")), R"("plain")");
  EXPECT_EQ(write(json::value("q\"b\\s/")), R"("q\"b\\s/")");  // '/' stays as is
  EXPECT_EQ(write(json::value("\b\t\n\f\r")), R"("\b\t\n\f\r")");
  EXPECT_EQ(write(json::value("\x01\x1e\x1f"s)), R"("\u0001\u001e\u001f")");
  EXPECT_EQ(write(json::value("\x00"s)), R"("\u0000")");
  EXPECT_EQ(write(json::value("\x7f")), "\"\x7f\"");  // DEL is not escaped by JSON.stringify
  EXPECT_EQ(write(json::value("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(write(json::value("\u2028\u2029")), "\"\u2028\u2029\"");
}

TEST(JsonWriter, InvalidUtf8IsReplaced) {
  EXPECT_EQ(write(json::value("a\xff"
                              "b")),
            R"("a\ufffdb")");
  EXPECT_EQ(write(json::value("\xc3")), R"("\ufffd")");                      // truncated
  EXPECT_EQ(write(json::value("\xc0\xaf")), R"("\ufffd\ufffd")");            // overlong
  EXPECT_EQ(write(json::value("\xed\xa0\x80")), R"("\ufffd\ufffd\ufffd")");  // surrogate
  EXPECT_EQ(write(json::value("\xf4\x90\x80\x80")), R"("\ufffd\ufffd\ufffd\ufffd")");
}

TEST(JsonWriter, ContainersKeepOrderAndEscapeKeys) {
  json::value v = json::parse(R"({"b":1,"a":[1,2.5,"x",{"k\n":null}],"e":{},"f":[]})");
  EXPECT_EQ(write(v), R"({"b":1,"a":[1,2.5,"x",{"k\n":null}],"e":{},"f":[]})");
}

TEST(JsonWriter, ReparsesToTheSameValue) {
  for (std::string_view text : {R"([1,-1,0.1,1e-7,1e+21,"\u0001é",{"a":[true,false,null]}])",
                                R"({"n":12345678901234567890,"m":-9223372036854775808})"}) {
    json::value v = json::parse(text);
    EXPECT_EQ(json::parse(write(v)), v) << text;
  }
}

}  // namespace
}  // namespace chatd::socketio
