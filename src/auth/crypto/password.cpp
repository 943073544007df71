#include "auth/crypto/password.hpp"

#include <sodium.h>

#include <mutex>
#include <stdexcept>

namespace chatd::auth {
namespace {

std::once_flag sodium_once;

// sodium_init picks CPU-specific implementations and seeds the RNG; it must run before any
// other libsodium call. If it throws, call_once lets the next caller try again.
void ensure_sodium() {
  std::call_once(sodium_once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium initialisation failed");
  });
}

}  // namespace

std::string hash_password(const std::string& password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("argon2id hashing failed (out of memory?)");
  }
  return std::string(out);
}

bool verify_password(const std::string& encoded_hash, const std::string& password) {
  try {
    ensure_sodium();
  } catch (...) {
    return false;
  }
  // libsodium reads a NUL-terminated string; an embedded NUL or an over-long value cannot be
  // one of its hashes, and refusing them here avoids parsing a silently truncated string.
  if (encoded_hash.size() >= crypto_pwhash_STRBYTES ||
      encoded_hash.find('\0') != std::string::npos) {
    return false;
  }
  // The hash comparison inside libsodium is constant time (sodium_memcmp).
  return crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace chatd::auth
