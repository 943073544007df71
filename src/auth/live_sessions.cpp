#include "auth/live_sessions.hpp"

#include <boost/asio/post.hpp>
#include <chrono>
#include <utility>

#include "auth/clock.hpp"

namespace chatd::auth {

LiveSessions::Watch::Watch(Watch&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), shard_(other.shard_), id_(other.id_) {}

LiveSessions::Watch& LiveSessions::Watch::operator=(Watch&& other) noexcept {
  if (this != &other) {
    if (owner_) owner_->forget(*owner_->shards_[shard_], id_);
    owner_ = std::exchange(other.owner_, nullptr);
    shard_ = other.shard_;
    id_ = other.id_;
  }
  return *this;
}

LiveSessions::Watch::~Watch() {
  if (owner_) owner_->forget(*owner_->shards_[shard_], id_);
}

LiveSessions::LiveSessions(core::IoPool& io, const RevocationList& revoked) : revoked_(revoked) {
  for (std::size_t i = 0; i < io.size(); ++i) shards_.push_back(std::make_unique<Shard>(io.at(i)));
}

LiveSessions::~LiveSessions() = default;

LiveSessions::Watch LiveSessions::watch(std::size_t shard_index, const TokenRef& token,
                                        OnEnd on_end) {
  auto& shard = *shards_.at(shard_index);
  const auto id = shard.next_id++;
  auto& entry = shard.entries[id];
  entry = Entry{token.key(),     token.family.has_value(), token.user_id,
                token.issued_at, token.expires_at,         std::move(on_end)};
  shard.by_key.emplace(entry.key, id);
  shard.by_expiry.emplace(token.expires_at, id);
  // A revocation that reached this shard before the entry existed found nothing to end; the
  // list has it by then (it is updated before shards are told), so it is caught here.
  std::string_view reason;
  if (token.expires_at <= now_seconds())
    reason = kTokenExpired;
  else if (revoked_.revoked(token))
    reason = kTokenRevoked;
  if (!reason.empty()) {
    boost::asio::post(shard.ctx, [this, &shard, id, reason] { end(shard, {id}, reason); });
  } else if (shard.timer_for == 0 || token.expires_at < shard.timer_for) {
    arm(shard);
  }
  return Watch(this, shard_index, id);
}

void LiveSessions::forget(Shard& shard, std::uint64_t id) {
  auto it = shard.entries.find(id);
  if (it == shard.entries.end()) return;  // ended already
  auto& e = it->second;
  for (auto [k, end] = shard.by_key.equal_range(e.key); k != end; ++k)
    if (k->second == id) {
      shard.by_key.erase(k);
      break;
    }
  for (auto [x, end] = shard.by_expiry.equal_range(e.expires_at); x != end; ++x)
    if (x->second == id) {
      shard.by_expiry.erase(x);
      break;
    }
  shard.entries.erase(it);
}

void LiveSessions::end(Shard& shard, const std::vector<std::uint64_t>& ids,
                       std::string_view reason) {
  // Taken out of the maps first: on_end usually disconnects the socket, whose Watch then finds
  // nothing left to forget.
  std::vector<OnEnd> calls;
  for (auto id : ids) {
    auto it = shard.entries.find(id);
    if (it == shard.entries.end()) continue;
    calls.push_back(std::move(it->second.on_end));
    forget(shard, id);
  }
  for (auto& call : calls) call(reason);
}

void LiveSessions::arm(Shard& shard) {
  if (shard.by_expiry.empty()) {
    shard.timer_for = 0;
    shard.timer.cancel();
    return;
  }
  const auto first = shard.by_expiry.begin()->first;
  if (first == shard.timer_for) return;
  shard.timer_for = first;
  // Token expiry is wall-clock time; the timer is steady: convert once, now.
  const auto wait = std::chrono::system_clock::time_point(std::chrono::seconds(first)) -
                    std::chrono::system_clock::now();
  shard.timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait));
  shard.timer.async_wait([this, &shard, first](const boost::system::error_code& ec) {
    // A later arm() replaced this wait (cancelled, or set for another expiry).
    if (ec || shard.timer_for != first) return;
    on_timer(shard);
  });
}

void LiveSessions::on_timer(Shard& shard) {
  const auto now = now_seconds();
  std::vector<std::uint64_t> due;
  for (auto it = shard.by_expiry.begin(); it != shard.by_expiry.end() && it->first <= now; ++it)
    due.push_back(it->second);
  shard.timer_for = 0;
  end(shard, due, kTokenExpired);
  arm(shard);
}

void LiveSessions::revoke(const storage::Revocation& r) {
  for (auto& s : shards_)
    boost::asio::post(s->ctx, [this, shard = s.get(), r] { revoke_on(*shard, r); });
}

void LiveSessions::revoke_on(Shard& shard, const storage::Revocation& r) {
  std::vector<std::uint64_t> ids;
  if (r.kind == storage::RevocationKind::kUser) {
    // Only tokens without a family (rare: from before families existed); a scan is fine.
    for (const auto& [id, e] : shard.entries)
      if (!e.has_family && e.user_id == r.user_id && e.issued_at <= r.issued_before)
        ids.push_back(id);
  } else {
    const auto key = revocation_key(r);
    for (auto [it, last] = shard.by_key.equal_range(key); it != last; ++it)
      ids.push_back(it->second);
  }
  end(shard, ids, kTokenRevoked);
  arm(shard);
}

}  // namespace chatd::auth
