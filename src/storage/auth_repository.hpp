#pragma once
// What the auth module keeps in the database so that every node sees the same: login failure
// counts (throttling). Times are milliseconds since the epoch, passed in by the caller (one
// clock, the caller's, for every comparison).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "storage/models.hpp"

namespace chatd::storage {

// The failures of one throttling key (an opaque digest naming an account, an IP, or both).
struct FailureCount {
  std::string key;
  int failures = 0;
  std::optional<Millis> blocked_until;
};

// How long a key is blocked after its n-th failure; 0 when it is not.
using BlockPolicy = std::function<Millis(const std::string& key, int failures)>;

class AuthRepository {
 public:
  virtual ~AuthRepository() = default;

  // --- Login throttling
  // The counts of these keys that are still remembered at `now` (unknown keys are left out).
  virtual std::vector<FailureCount> failures(const std::vector<std::string>& keys, Millis now) = 0;
  // One more failure for each key, in one transaction (concurrent failures are all counted). A
  // count whose last failure is `forget_after` or more before now starts again at 1; a key
  // that block_for(key, count) > 0 blocks until now + that. Returns the new counts, in order.
  virtual std::vector<FailureCount> add_failure(const std::vector<std::string>& keys, Millis now,
                                                Millis forget_after,
                                                const BlockPolicy& block_for) = 0;
  virtual void clear_failures(const std::string& key) = 0;
};

}  // namespace chatd::storage
