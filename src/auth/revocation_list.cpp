#include "auth/revocation_list.hpp"

#include <algorithm>
#include <mutex>

namespace chatd::auth {

std::string TokenRef::key() const {
  return family ? "f:" + *family : "t:" + id;
}

std::string revocation_key(const storage::Revocation& r) {
  switch (r.kind) {
    case storage::RevocationKind::kFamily:
      return "f:" + r.subject;
    case storage::RevocationKind::kToken:
      return "t:" + r.subject;
    case storage::RevocationKind::kUser:
      break;
  }
  return {};
}

bool revokes(const storage::Revocation& r, const TokenRef& token) {
  if (r.kind == storage::RevocationKind::kUser)
    return !token.family && token.user_id == r.user_id && token.issued_at <= r.issued_before;
  return revocation_key(r) == token.key();
}

bool RevocationList::revoked(const TokenRef& token) const {
  std::shared_lock lock(mu_);
  if (keys_.contains(token.key())) return true;
  if (token.family) return false;
  const auto it = users_.find(token.user_id);
  return it != users_.end() && token.issued_at <= it->second.issued_before;
}

bool RevocationList::add(const storage::Revocation& r) {
  std::unique_lock lock(mu_);
  if (r.kind != storage::RevocationKind::kUser)
    return keys_.try_emplace(revocation_key(r), r.expires_at).second;
  auto [it, fresh] = users_.try_emplace(r.user_id, UserCutoff{r.issued_before, r.expires_at});
  if (fresh) return true;
  auto& cut = it->second;
  const bool wider = r.issued_before > cut.issued_before;
  cut.issued_before = std::max(cut.issued_before, r.issued_before);
  cut.expires_at = std::max(cut.expires_at, r.expires_at);
  return wider;
}

void RevocationList::prune(storage::Millis now) {
  std::unique_lock lock(mu_);
  std::erase_if(keys_, [now](const auto& kv) { return kv.second <= now; });
  std::erase_if(users_, [now](const auto& kv) { return kv.second.expires_at <= now; });
}

std::size_t RevocationList::size() const {
  std::shared_lock lock(mu_);
  return keys_.size() + users_.size();
}

}  // namespace chatd::auth
