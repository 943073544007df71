#pragma once
// PostgreSQL array literals ("{...}"), so a whole batch travels as a few text parameters and
// unnest() turns it back into rows. libpqxx 6 cannot bind arrays itself.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::storage::postgres {

class ArrayLiteral {
 public:
  ArrayLiteral() : text_("{") {}
  // Every text element is double-quoted, so empty strings, "NULL", spaces, commas and braces
  // all survive; inside the quotes only '"' and '\' need a backslash.
  void add(std::string_view text);
  void add(std::int64_t value);
  void add(bool value);
  void add_null();
  template <typename T>
  void add(const std::optional<T>& value) {
    if (value)
      add(*value);
    else
      add_null();
  }
  void add(int value) { add(static_cast<std::int64_t>(value)); }
  void add(const std::string& text) { add(std::string_view(text)); }
  void add(const char*) = delete;  // would silently pick bool

  std::string str() const { return text_ + "}"; }

 private:
  void separate() {
    if (text_.size() > 1) text_ += ',';
  }
  std::string text_;
};

}  // namespace chatd::storage::postgres
