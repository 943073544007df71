#pragma once
// Login failure limits, counted in the database so that every node sees the same counts: per
// account from one IP (tight: it stops one client guessing), per IP over all accounts (stops one
// client trying many accounts) and per account over all IPs (looser: stops a distributed guess
// at one account without letting one client lock its owner out). Past its threshold a key is
// blocked, each further failure doubling the block. Keys are by e-mail as typed (lower-cased),
// whether or not an account has it, so blocks say nothing about which accounts exist.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/auth_repository.hpp"

namespace chatd::auth {

struct ThrottleSettings {
  int per_account_ip = 5;  // LOGIN_FAILURES_PER_ACCOUNT_IP; 0 = no limit
  int per_ip = 20;         // LOGIN_FAILURES_PER_IP
  int per_account = 50;    // LOGIN_FAILURES_PER_ACCOUNT
  std::chrono::milliseconds backoff_base{1000};
  std::chrono::milliseconds backoff_max{900'000};
  std::chrono::milliseconds window{3'600'000};  // failures are forgotten this long after the last
};

class LoginThrottle {
 public:
  explicit LoginThrottle(ThrottleSettings settings) : s_(settings) {}

  struct Keys {
    std::string account_ip;  // cleared by a successful login
    std::string ip;
    std::string account;
    std::vector<std::string> all() const { return {account_ip, ip, account}; }
  };
  // Digests prefixed with their kind ("ai:", "i:", "a:"): the policy reads the prefix.
  static Keys keys(std::string_view email, std::string_view ip);

  // How long the block of `failures` failures on `key` lasts: 0 under the key's threshold, then
  // backoff_base doubling per failure, at most backoff_max.
  storage::Millis block_for(const std::string& key, int failures) const;
  // The longest block still running among these counts, in ms (0: none).
  static storage::Millis blocked_for(const std::vector<storage::FailureCount>& counts,
                                     storage::Millis now);
  storage::Millis window_ms() const { return s_.window.count(); }

 private:
  ThrottleSettings s_;
};

}  // namespace chatd::auth
