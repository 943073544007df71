#include "realtime/socketio/json_writer.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "core/utf8.hpp"

namespace chatd::socketio {
namespace json = boost::json;
namespace {

template <class Int>
void append_integer(std::string& out, Int n) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, res.ptr);
}

void append_array(std::string& out, const json::array& arr) {
  out.push_back('[');
  bool first = true;
  for (const json::value& v : arr) {
    if (!first) out.push_back(',');
    first = false;
    append_json(out, v);
  }
  out.push_back(']');
}

void append_object(std::string& out, const json::object& obj) {
  out.push_back('{');
  bool first = true;
  for (const json::key_value_pair& kv : obj) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, kv.key());
    out.push_back(':');
    append_json(out, kv.value());
  }
  out.push_back('}');
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  out.push_back('"');
  std::size_t run = 0;  // start of the pending run of bytes copied verbatim
  std::size_t i = 0;
  auto flush = [&] { out.append(text.data() + run, i - run); };
  while (i < n) {
    const unsigned char c = s[i];
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const std::size_t len = core::utf8_sequence_length(s + i, n - i);
      if (len != 0) {
        i += len;
        continue;
      }
      flush();
      out.append("\\ufffd");
      run = ++i;
      continue;
    }
    flush();
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\r':
        out.append("\\r");
        break;
      default: {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(esc, sizeof esc);
      }
    }
    run = ++i;
  }
  flush();
  out.push_back('"');
}

void append_js_number(std::string& out, double number) {
  if (std::isnan(number)) {
    out.append("NaN");
    return;
  }
  if (number == 0) {  // covers -0, which JavaScript prints as "0"
    out.push_back('0');
    return;
  }
  if (number < 0) {
    out.push_back('-');
    number = -number;
  }
  if (std::isinf(number)) {
    out.append("Infinity");
    return;
  }
  // std::to_chars gives the shortest digits that round-trip, as ECMAScript requires; only the
  // layout differs. Scientific form is "d[.ddd]e±XX".
  char buf[40];
  const auto res = std::to_chars(buf, buf + sizeof buf, number, std::chars_format::scientific);
  const char* e = static_cast<const char*>(std::memchr(buf, 'e', res.ptr - buf));
  char digits[20];
  int k = 0;  // number of significant digits
  for (const char* p = buf; p < e; ++p) {
    if (*p != '.') digits[k++] = *p;
  }
  int exp10 = 0;
  std::from_chars(e + (e[1] == '+' ? 2 : 1), res.ptr, exp10);
  const int n = exp10 + 1;  // ECMAScript's n: the value is 0.d1d2...dk × 10^n

  if (k <= n && n <= 21) {
    out.append(digits, k);
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, n);
    out.push_back('.');
    out.append(digits + n, k - n);
  } else if (-6 < n && n <= 0) {
    out.append("0.");
    out.append(static_cast<std::size_t>(-n), '0');
    out.append(digits, k);
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits + 1, k - 1);
    }
    out.push_back('e');
    out.push_back(n - 1 < 0 ? '-' : '+');
    append_integer(out, std::abs(n - 1));
  }
}

void append_json(std::string& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      out.append("null");
      break;
    case json::kind::bool_:
      out.append(value.get_bool() ? "true" : "false");
      break;
    case json::kind::int64:
      append_integer(out, value.get_int64());
      break;
    case json::kind::uint64:
      append_integer(out, value.get_uint64());
      break;
    case json::kind::double_: {
      const double d = value.get_double();
      if (std::isfinite(d)) {
        append_js_number(out, d);
      } else {
        out.append("null");  // JSON.stringify(Infinity) === "null"
      }
      break;
    }
    case json::kind::string:
      append_json_string(out, value.get_string());
      break;
    case json::kind::array:
      append_array(out, value.get_array());
      break;
    case json::kind::object:
      append_object(out, value.get_object());
      break;
  }
}

}  // namespace chatd::socketio
