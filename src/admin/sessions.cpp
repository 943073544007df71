#include "admin/sessions.hpp"

#include <sodium.h>

#include <array>
#include <cstdio>

namespace chatd::admin {

std::string Sessions::open() {
  std::array<unsigned char, 16> bytes;
  randombytes_buf(bytes.data(), bytes.size());
  std::string id;
  for (auto b : bytes) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", b);
    id += hex;
  }
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  std::erase_if(expiry_, [now](const auto& e) { return e.second <= now; });
  expiry_.emplace(id, now + ttl_);
  return id;
}

bool Sessions::valid(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = expiry_.find(id);
  return it != expiry_.end() && it->second > Clock::now();
}

}  // namespace chatd::admin
