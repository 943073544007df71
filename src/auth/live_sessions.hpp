#pragma once
// The live sockets of each token, so that a socket ends when its token does: at the token's
// expiry (a timer per I/O thread, set for the earliest expiry on that thread) and as soon as
// this node learns of a revocation (made here, or read from the database feed). Whoever holds
// a socket registers it with watch() and is called back with the reason, on the socket's thread.
//
// One shard per I/O thread (core::IoPool index): a socket's entry is only touched on its own
// thread, so shards need no lock; revocations reach the shards as posted jobs.
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/revocation_list.hpp"
#include "core/io_pool.hpp"

namespace chatd::auth {

inline constexpr std::string_view kTokenExpired = "Token expired";
inline constexpr std::string_view kTokenRevoked = "Token revoked";

class LiveSessions {
 public:
  // Called once, on the socket's thread, with kTokenExpired or kTokenRevoked.
  using OnEnd = std::function<void(std::string_view reason)>;

  // Forgets its socket when destroyed; destroy it on the socket's thread.
  class Watch {
   public:
    Watch() = default;
    Watch(Watch&& other) noexcept;
    Watch& operator=(Watch&& other) noexcept;
    ~Watch();

   private:
    friend class LiveSessions;
    Watch(LiveSessions* owner, std::size_t shard, std::uint64_t id)
        : owner_(owner), shard_(shard), id_(id) {}
    LiveSessions* owner_ = nullptr;
    std::size_t shard_ = 0;
    std::uint64_t id_ = 0;
  };

  LiveSessions(core::IoPool& io, const RevocationList& revoked);
  ~LiveSessions();

  // On the thread of I/O context `shard`. A token that is already revoked or expired is ended
  // right away (on_end is posted, not called from inside watch()).
  Watch watch(std::size_t shard, const TokenRef& token, OnEnd on_end);
  // Any thread: ends every watched socket whose token `r` revokes.
  void revoke(const storage::Revocation& r);

 private:
  struct Entry {
    std::string key;  // TokenRef::key()
    bool has_family = false;
    std::int64_t user_id = 0;
    std::int64_t issued_at = 0;
    std::int64_t expires_at = 0;
    OnEnd on_end;
  };
  struct Shard {
    explicit Shard(boost::asio::io_context& ctx) : ctx(ctx), timer(ctx) {}
    boost::asio::io_context& ctx;
    boost::asio::steady_timer timer;
    std::int64_t timer_for = 0;  // the expiry (seconds) the timer is set for; 0 = idle
    std::uint64_t next_id = 1;
    std::unordered_map<std::uint64_t, Entry> entries;
    std::unordered_multimap<std::string_view, std::uint64_t> by_key;  // views into entries
    std::multimap<std::int64_t, std::uint64_t> by_expiry;
  };

  void forget(Shard& shard, std::uint64_t id);
  // Removes the entries and calls their on_end with `reason`.
  void end(Shard& shard, const std::vector<std::uint64_t>& ids, std::string_view reason);
  void arm(Shard& shard);
  void on_timer(Shard& shard);
  void revoke_on(Shard& shard, const storage::Revocation& r);

  const RevocationList& revoked_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace chatd::auth
