#pragma once
// argon2id password hashing (libsodium). Both calls are slow on purpose: run them on the
// blocking pool, never on an I/O thread.
#include <string>

namespace chatd::auth {

// Returns the encoded argon2id string ($argon2id$v=19$...), salt included.
std::string hash_password(const std::string& password);
bool verify_password(const std::string& encoded_hash, const std::string& password);

}  // namespace chatd::auth
