#include "realtime/socketio/json_reader.hpp"

#include <charconv>
#include <string>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

namespace chatd::socketio {
namespace json = boost::json;
namespace {

// Same as Boost's own parser handler, except for doubles.
struct Handler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  json::value_stack st;
  std::string number;  // text of a number split across on_number_part calls

  explicit Handler(json::storage_ptr temp) : st(std::move(temp)) {}

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    number.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    number.clear();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    number.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view s, json::error_code&) {
    number.append(s.data(), s.size());
    double exact = 0;
    const auto res = std::from_chars(number.data(), number.data() + number.size(), exact);
    // Out of range keeps Boost's value: infinity or zero, which is what JSON.parse gives too.
    if (res.ec == std::errc{} && res.ptr == number.data() + number.size()) d = exact;
    number.clear();
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of the \uXXXX escape at text[i] (the backslash), or -1.
int escaped_unit(std::string_view text, std::size_t i) {
  if (i + 6 > text.size() || text[i] != '\\' || text[i + 1] != 'u') return -1;
  int unit = 0;
  for (std::size_t k = i + 2; k < i + 6; ++k) {
    const int d = hex_digit(text[k]);
    if (d < 0) return -1;
    unit = unit * 16 + d;
  }
  return unit;
}

// JSON.parse accepts an escaped UTF-16 surrogate without its other half ("\ud83d", half of an
// emoji a client cut in two); Boost.JSON 1.81 rejects the whole text, which would close the
// client's connection. Such an escape becomes \ufffd (same length), the replacement character a
// UTF-8 string can hold. Returns the rewritten text only when there was one.
std::optional<std::string> replace_lone_surrogates(std::string_view text) {
  std::optional<std::string> out;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!in_string) {
      in_string = c == '"';
      continue;
    }
    if (c == '"') {
      in_string = false;
      continue;
    }
    if (c != '\\') continue;
    const int unit = escaped_unit(text, i);
    if (unit < 0xd800 || unit > 0xdfff) {
      ++i;  // any other escape: skip the escaped character (a \uXXXX's digits are plain text)
      continue;
    }
    if (unit <= 0xdbff) {
      const int low = escaped_unit(text, i + 6);
      if (low >= 0xdc00 && low <= 0xdfff) {  // a proper pair
        i += 11;
        continue;
      }
    }
    if (!out) out.emplace(text);
    out->replace(i, 6, "\\ufffd");
    i += 5;
  }
  return out;
}

}  // namespace

std::optional<json::value> parse_json(std::string_view text, std::size_t max_depth) {
  JsonFailure ignored;
  return parse_json(text, max_depth, ignored);
}

std::optional<json::value> parse_json(std::string_view text, std::size_t max_depth,
                                      JsonFailure& why) {
  const auto repaired = replace_lone_surrogates(text);
  if (repaired) text = *repaired;
  json::parse_options opts;
  opts.max_depth = max_depth;
  json::basic_parser<Handler> parser(opts, json::storage_ptr{});
  parser.handler().st.reset();
  json::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (ec || used != text.size()) {
    why = ec == json::error::too_deep ? JsonFailure::too_deep : JsonFailure::malformed;
    return std::nullopt;
  }
  return parser.handler().st.release();
}

}  // namespace chatd::socketio
