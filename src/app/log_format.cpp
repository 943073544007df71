#include "app/log_format.hpp"

#include <spdlog/pattern_formatter.h>

#include <chrono>

#include "core/iso_time.hpp"
#include "core/log_fields.hpp"
#include "core/utf8.hpp"

namespace chatd::app {
namespace {

void append(spdlog::memory_buf_t& out, std::string_view s) {
  out.append(s.data(), s.data() + s.size());
}

// A JSON string's contents: quotes, backslashes and control characters escaped, and bytes that
// are not UTF-8 (a log line may quote what a client sent) replaced by U+FFFD.
void append_escaped(spdlog::memory_buf_t& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c >= 0x80) {
      const auto len = core::utf8_sequence_length(p + i, n - i);
      if (len == 0) {
        append(out, "\\ufffd");
        ++i;
      } else {
        append(out, s.substr(i, len));
        i += len;
      }
      continue;
    }
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      append(out, "\\n");
    } else if (c == '\r') {
      append(out, "\\r");
    } else if (c == '\t') {
      append(out, "\\t");
    } else if (c < 0x20) {
      append(out, "\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else {
      out.push_back(static_cast<char>(c));
    }
    ++i;
  }
}

void append_string(spdlog::memory_buf_t& out, std::string_view s) {
  out.push_back('"');
  append_escaped(out, s);
  out.push_back('"');
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    append(dest, "{\"time\":\"");
    append(dest, core::iso_time(millis));
    append(dest, "\",\"level\":");
    const auto level = spdlog::level::to_string_view(msg.level);
    append_string(dest, std::string_view(level.data(), level.size()));
    append(dest, ",\"message\":");
    append_string(dest, std::string_view(msg.payload.data(), msg.payload.size()));
    append(dest, ",\"fields\":{");
    bool first = true;
    for (const auto& [key, value] : core::LogFields::current()) {
      if (!first) dest.push_back(',');
      first = false;
      append_string(dest, key);
      dest.push_back(':');
      append_string(dest, value);
    }
    append(dest, "}}\n");
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

// %* in a text pattern: the fields as " key=value".
class TextFields final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (const auto& [key, value] : core::LogFields::current()) {
      dest.push_back(' ');
      append(dest, key);
      dest.push_back('=');
      append(dest, value);
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<TextFields>();
  }
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_log_formatter(const std::string& format) {
  if (format == "json") return std::make_unique<JsonFormatter>();
  auto text = std::make_unique<spdlog::pattern_formatter>();
  // %+ is spdlog's default line; the fields follow the message.
  text->add_flag<TextFields>('*').set_pattern("%+%*");
  return text;
}

}  // namespace chatd::app
