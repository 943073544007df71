#pragma once
// Small text helpers shared by both backends.
#include <string>
#include <string_view>

#include "core/text.hpp"
#include "storage/models.hpp"

namespace chatd::storage {

// ASCII only, on purpose: SQLite's lower() and NOCASE collation fold ASCII only, so both
// backends agree on what "the same email" means.
inline std::string ascii_lower(std::string_view s) {
  return core::to_lower(s);
}

inline const char* message_type_name(MessageType t) {
  return t == MessageType::kImage ? "image" : "text";
}

inline MessageType parse_message_type(std::string_view s) {
  return s == "image" ? MessageType::kImage : MessageType::kText;
}

}  // namespace chatd::storage
