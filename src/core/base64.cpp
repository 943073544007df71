#include "core/base64.hpp"

#include <sodium.h>

namespace chatd::core {
namespace {

void append(std::string& out, const unsigned char* data, std::size_t size, int variant) {
  const std::size_t start = out.size();
  const std::size_t room = sodium_base64_encoded_len(size, variant);  // with the final NUL
  out.resize(start + room);
  sodium_bin2base64(out.data() + start, room, data, size, variant);
  out.resize(start + room - 1);
}

std::optional<std::string> decode(std::string_view text, int variant) {
  // libsodium (1.0.18) takes bytes of 0x80 and above for alphabet characters: refuse them here.
  for (const char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t size = 0;
  // No characters to ignore and no end pointer: anything outside the variant fails.
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &size, nullptr, variant) != 0)
    return std::nullopt;
  out.resize(size);
  return out;
}

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

void append_base64(std::string& out, std::string_view bytes) {
  append(out, bytes_of(bytes), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  append_base64(out, bytes);
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  return decode(text, sodium_base64_VARIANT_ORIGINAL);
}

std::string base64url_encode(const unsigned char* data, std::size_t size) {
  std::string out;
  append(out, data, size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return out;
}

std::string base64url_encode(std::string_view bytes) {
  return base64url_encode(bytes_of(bytes), bytes.size());
}

std::optional<std::string> base64url_decode(std::string_view text) {
  return decode(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

}  // namespace chatd::core
