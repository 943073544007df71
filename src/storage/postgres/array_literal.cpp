#include "storage/postgres/array_literal.hpp"

namespace chatd::storage::postgres {

void ArrayLiteral::add(std::string_view text) {
  separate();
  text_ += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') text_ += '\\';
    text_ += c;
  }
  text_ += '"';
}

void ArrayLiteral::add(std::int64_t value) {
  separate();
  text_ += std::to_string(value);
}

void ArrayLiteral::add(bool value) {
  separate();
  text_ += value ? 't' : 'f';
}

void ArrayLiteral::add_null() {
  separate();
  text_ += "NULL";
}

}  // namespace chatd::storage::postgres
