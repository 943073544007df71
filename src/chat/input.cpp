#include "chat/input.hpp"

#include "core/parse_int.hpp"
#include "core/utf8.hpp"

namespace chatd::chat {

namespace {

// Unicode White_Space, and the invisible characters a blank-looking message is made of: zero-width
// space and joiners, word joiner, byte order mark (which JavaScript's trim() also removes).
bool blank_code_point(char32_t c) {
  switch (c) {
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x180E:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x2060:
    case 0x3000:
    case 0xFEFF:
      return true;
    default:
      return (c >= 0x09 && c <= 0x0D) || (c >= 0x2000 && c <= 0x200D);
  }
}

}  // namespace

bool blank(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = s[i] < 0x80 ? 1 : core::utf8_sequence_length(s + i, text.size() - i);
    if (length == 0) return false;
    if (!blank_code_point(core::utf8_code_point(s + i, length))) return false;
    i += length;
  }
  return true;
}

void check_text(std::string_view text, std::size_t max_length) {
  if (text.find('\0') != std::string_view::npos)
    throw ChatError(ErrorKind::kInvalidInput, "message must not contain NUL characters");
  if (blank(text)) throw ChatError(ErrorKind::kInvalidInput, "message must not be empty");
  if (core::utf8_length(text) > max_length)
    throw ChatError(ErrorKind::kInvalidInput,
                    "message must be at most " + std::to_string(max_length) + " characters");
}

void check_client_msg_id(std::string_view id) {
  if (id.empty() || core::utf8_length(id) > storage::kMaxClientMsgIdLength)
    throw ChatError(ErrorKind::kInvalidInput, "clientMsgId must be a string of at most " +
                                                  std::to_string(storage::kMaxClientMsgIdLength) +
                                                  " characters");
}

std::optional<std::int64_t> positive_id(std::string_view text) {
  const auto id = core::parse_int(text);
  if (!id || *id <= 0) return std::nullopt;
  return id;
}

std::string invalid_id_message(std::string_view field) {
  return std::string(field) + " must be a positive integer";
}

ChatError invalid_id(std::string_view field) {
  return ChatError(ErrorKind::kInvalidInput, invalid_id_message(field));
}

}  // namespace chatd::chat
