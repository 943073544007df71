// libFuzzer target for the JSON reader of Socket.IO packets (socketio::parse_json) and the
// writer that sends values back out (socketio::append_json).
//
// Byte 0 sets the nesting limit (1-64), the rest is the JSON text. Checks:
//  - what the reader accepts nests no deeper than the limit; written out, it is valid UTF-8
//    and reads back to the same value, and writing that gives the same text (a fixpoint);
//  - the reader agrees with Boost.JSON's own parser: it refuses what Boost refuses (it may
//    accept more only when the text escapes a lone UTF-16 surrogate, which it repairs), and
//    the values match (doubles within one unit in the last place: Boost's are approximate; see
//    boost_close);
//  - a number alone is read as std::from_chars reads it (correctly rounded, as JSON.parse);
//    a string alone decodes as its escapes say, a lone surrogate as U+FFFD.
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Compiled in, so that libFuzzer's coverage reaches into the JSON parser.
#include <boost/json/src.hpp>

#include "core/utf8.hpp"
#include "fuzz_support.hpp"
#include "realtime/socketio/json_reader.hpp"
#include "realtime/socketio/json_writer.hpp"

namespace {

namespace json = boost::json;
namespace sio = chatd::socketio;
using chatd::fuzz::check;
using chatd::fuzz::reference_utf8;

std::size_t depth(const json::value& v) {
  std::size_t d = 0;
  if (const auto* a = v.if_array()) {
    for (const auto& e : *a) d = std::max(d, depth(e));
    return d + 1;
  }
  if (const auto* o = v.if_object()) {
    for (const auto& kv : *o) d = std::max(d, depth(kv.value()));
    return d + 1;
  }
  return 0;
}

// Numbers as JavaScript sees them (a double that holds an integer may come back as one);
// NaN and infinities are written as null.
bool same_number(const json::value& a, const json::value& b) {
  if (a.is_double() && !std::isfinite(a.get_double())) return b.is_null();
  if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
  if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
  if (a.is_double() && b.is_double()) return a.get_double() == b.get_double();
  // A double that holds an integer is written as one, and may come back as an integer.
  if (a.is_double() && b.is_int64()) return a.get_double() == static_cast<double>(b.get_int64());
  if (a.is_double() && b.is_uint64()) return a.get_double() == static_cast<double>(b.get_uint64());
  return false;
}

// Equal values, doubles compared by `close`.
template <class Close>
bool equal(const json::value& a, const json::value& b, Close close) {
  if (a.is_number()) {
    if (a.is_double() && b.is_double()) return close(a.get_double(), b.get_double());
    return same_number(a, b);
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case json::kind::array: {
      const auto &x = a.get_array(), &y = b.get_array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!equal(x[i], y[i], close)) return false;
      return true;
    }
    case json::kind::object: {
      const auto &x = a.get_object(), &y = b.get_object();
      if (x.size() != y.size()) return false;
      for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j)
        if (i->key() != j->key() || !equal(i->value(), j->value(), close)) return false;
      return true;
    }
    default:
      return a == b;
  }
}

bool exact(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b)) ||
         (!std::isfinite(a) && !std::isfinite(b) && std::signbit(a) == std::signbit(b));
}
// Ours against Boost's: Boost 1.81 rounds some decimals a few ulps off (666666666666666666666
// by two), and reads 0e400 as NaN (0 times an infinite power of ten) where the reader, like
// JSON.parse, gives 0.
bool boost_close(double ours, double boost) {
  return exact(ours, boost) || std::fabs(ours - boost) <= std::fabs(ours) * 0x1p-48 ||
         (std::isnan(boost) && ours == 0);
}

// A \uD800-\uDFFF escape: the one thing the reader repairs rather than refuses.
bool escapes_surrogate(std::string_view text) {
  for (auto at = text.find("\\u"); at != std::string_view::npos; at = text.find("\\u", at + 1)) {
    if (at + 3 >= text.size()) break;
    const char c = text[at + 2], d = text[at + 3];
    if ((c == 'd' || c == 'D') &&
        std::string_view("89abcdefABCDEF").find(d) != std::string_view::npos)
      return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The text of a JSON string literal, decoded here as UTF-16 escapes: a surrogate pair is one
// code point, a lone surrogate U+FFFD (the reader's documented repair). Nullopt when the text
// is not one string literal.
std::optional<std::string> reference_string(std::string_view t) {
  t = trim(t);
  if (t.size() < 2 || t.front() != '"' || t.back() != '"') return std::nullopt;
  t = t.substr(1, t.size() - 2);
  const auto unit_at = [&](std::size_t i) -> long {  // the \uXXXX at t[i], or -1
    if (i + 6 > t.size() || t[i] != '\\' || t[i + 1] != 'u') return -1;
    long unit = 0;
    for (std::size_t k = i + 2; k < i + 6; ++k) {
      const char c = t[k];
      const int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (d < 0) return -1;
      unit = unit * 16 + d;
    }
    return unit;
  };
  std::string out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '"') return std::nullopt;
    if (t[i] != '\\') {
      out += t[i];
      continue;
    }
    if (i + 1 >= t.size()) return std::nullopt;
    static constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
    if (const auto k = kFrom.find(t[i + 1]); k != std::string_view::npos) {
      out += kTo[k];
      ++i;
      continue;
    }
    const long unit = unit_at(i);
    if (unit < 0) return std::nullopt;
    i += 5;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const long low = unit_at(i + 1);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
        i += 6;
        continue;
      }
    }
    append_utf8(out, unit >= 0xD800 && unit <= 0xDFFF ? 0xFFFD : static_cast<std::uint32_t>(unit));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t max_depth = 1 + data[0] % 64;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  const auto value = sio::parse_json(text, max_depth);

  json::parse_options opts;
  opts.max_depth = max_depth;
  json::error_code ec;
  const json::value boost_value =
      json::parse(json::string_view(text.data(), text.size()), ec, json::storage_ptr{}, opts);
  if (ec) {
    check(!value || escapes_surrogate(text));
  } else {
    check(value && equal(*value, boost_value, boost_close));
  }
  if (!value) return 0;

  check(depth(*value) <= max_depth);
  std::string out;
  sio::append_json(out, *value);
  check(reference_utf8(out) && chatd::core::valid_utf8(out));
  const auto again = sio::parse_json(out, max_depth);
  check(again && equal(*value, *again, exact));
  std::string out2;
  sio::append_json(out2, *again);
  check(out2 == out);

  if (value->is_string()) {
    const auto expected = reference_string(text);
    check(expected && *expected == value->get_string());
  }
  if (value->is_double()) {
    const auto number = trim(text);
    double expected = 0;
    const auto r = std::from_chars(number.data(), number.data() + number.size(), expected);
    if (r.ec == std::errc{} && r.ptr == number.data() + number.size())
      check(exact(value->get_double(), expected));
  }
  return 0;
}
