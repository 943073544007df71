#include "auth/crypto/token_ids.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <climits>
#include <stdexcept>

#include "core/base64.hpp"

namespace chatd::auth {

std::string random_id(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (bytes > static_cast<std::size_t>(INT_MAX) ||
      RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    ERR_clear_error();
    throw std::runtime_error("RAND_bytes failed");
  }
  return core::base64url_encode(raw);
}

std::string sha256_id(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    ERR_clear_error();
    throw std::runtime_error("SHA-256 failed");
  }
  return core::base64url_encode(digest, size);
}

}  // namespace chatd::auth
