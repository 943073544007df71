#include "auth/token_service.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "auth/clock.hpp"
#include "auth/crypto/token_ids.hpp"
#include "core/base64.hpp"
#include "core/read_file.hpp"

namespace chatd::auth {
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path, const char* variable) {
  auto text = core::read_file(path);
  if (!text) throw std::runtime_error(std::string(variable) + ": cannot read " + path.string());
  return std::move(*text);
}

std::vector<unsigned char> decode_key(const std::string& text, const char* source) {
  auto raw = core::base64url_decode(text);
  if (!raw || raw->size() != 32)
    throw std::runtime_error(std::string(source) +
                             ": expected 32 random bytes in base64url (43 characters)");
  return {raw->begin(), raw->end()};
}

}  // namespace

std::vector<unsigned char> load_or_create_key(const std::optional<std::string>& base64url,
                                              const fs::path& key_file) {
  if (base64url) return decode_key(*base64url, "JWE_KEY");
  std::error_code ec;
  if (fs::exists(key_file, ec)) {
    auto text = read_file(key_file, "JWE_KEY");
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return decode_key(text, ("JWE_KEY (from " + key_file.string() + ")").c_str());
  }
  if (key_file.has_parent_path()) fs::create_directories(key_file.parent_path(), ec);
  unsigned char key[32];
  if (RAND_bytes(key, sizeof key) != 1) throw std::runtime_error("JWE_KEY: no random source");
  const auto text = core::base64url_encode(key, sizeof key) + "\n";
  // O_EXCL: two nodes starting on one data folder must not overwrite each other's key.
  int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return load_or_create_key(std::nullopt, key_file);
    throw std::runtime_error("JWE_KEY: cannot create " + key_file.string());
  }
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) throw std::runtime_error("JWE_KEY: cannot write " + key_file.string());
  return {key, key + sizeof key};
}

TokenService::TokenService(const TokenSettings& s) : ttl_(s.ttl_seconds) {
  auto key = load_or_create_key(s.key_base64url, s.key_file);
  std::copy_n(key.begin(), kdf_key_.size(), kdf_key_.begin());
  codec_ = std::make_unique<TokenCodec>(std::move(key));
  if (s.rsa_private_pem || s.rsa_public_pem) {
    const auto priv =
        s.rsa_private_pem ? read_file(*s.rsa_private_pem, "JWE_PRIVATE_KEY_FILE") : std::string();
    const auto pub =
        s.rsa_public_pem ? read_file(*s.rsa_public_pem, "JWE_PUBLIC_KEY_FILE") : std::string();
    try {
      // Issue RSA tokens only when both halves are there, so chatd can read what it issues.
      codec_->set_rsa_keys(priv, pub, !priv.empty() && !pub.empty());
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("JWE_PRIVATE_KEY_FILE/JWE_PUBLIC_KEY_FILE: ") +
                               e.what());
    }
  }
}

std::array<unsigned char, 32> TokenService::derive_key(std::string_view context) const {
  static_assert(crypto_kdf_KEYBYTES == 32 && crypto_kdf_CONTEXTBYTES == 8);
  if (context.size() != crypto_kdf_CONTEXTBYTES)
    throw std::invalid_argument("derive_key: the context is 8 characters");
  // Idempotent and thread-safe; libsodium wants it before any other call.
  if (sodium_init() < 0) throw std::runtime_error("libsodium initialisation failed");
  std::array<unsigned char, 32> out{};
  crypto_kdf_derive_from_key(out.data(), out.size(), 1, context.data(), kdf_key_.data());
  return out;
}

IssuedToken TokenService::issue(std::int64_t user_id, const std::string& username,
                                const std::string& family) const {
  const auto now = now_seconds();
  Claims claims{user_id, username, now, now + ttl_, random_id(), family};
  return {codec_->issue(claims), ttl_, claims.exp};
}

TokenRef token_ref(const std::string& token, const Claims& claims) {
  return {claims.jti ? *claims.jti : sha256_id(token), claims.fam, claims.sub, claims.iat,
          claims.exp};
}

TokenResult TokenService::verify(const std::string& token) const {
  return codec_->verify(token, now_seconds());
}

}  // namespace chatd::auth
