#include "auth/login_throttle.hpp"

#include <algorithm>

#include "auth/crypto/token_ids.hpp"

namespace chatd::auth {

LoginThrottle::Keys LoginThrottle::keys(std::string_view email, std::string_view ip) {
  // A separator that neither an e-mail address nor an IP contains keeps the pairs apart.
  const std::string e(email);
  const std::string i(ip);
  return {"ai:" + sha256_id(e + '\n' + i), "i:" + sha256_id(i), "a:" + sha256_id(e)};
}

storage::Millis LoginThrottle::block_for(const std::string& key, int failures) const {
  const int threshold = key.starts_with("ai:")  ? s_.per_account_ip
                        : key.starts_with("i:") ? s_.per_ip
                                                : s_.per_account;
  if (threshold <= 0 || failures < threshold) return 0;
  // Doubling stops long before the shift could overflow: 2^40 ms is 35 years.
  const int doublings = std::min(failures - threshold, 40);
  return std::min<storage::Millis>(s_.backoff_base.count() << doublings, s_.backoff_max.count());
}

storage::Millis LoginThrottle::blocked_for(const std::vector<storage::FailureCount>& counts,
                                           storage::Millis now) {
  storage::Millis longest = 0;
  for (const auto& c : counts)
    if (c.blocked_until) longest = std::max(longest, *c.blocked_until - now);
  return longest;
}

}  // namespace chatd::auth
