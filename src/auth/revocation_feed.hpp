#pragma once
// Keeps this node's RevocationList and LiveSessions in step with the database: revocations made
// here are applied at once (publish), those made on other nodes are read every poll interval
// (ids above the last one seen; the store hands ids out in commit order). Expired rows are
// pruned from the database and from memory now and then.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "auth/live_sessions.hpp"
#include "auth/revocation_list.hpp"
#include "core/blocking_pool.hpp"
#include "core/error_tally.hpp"
#include "storage/repository.hpp"

namespace chatd::auth {

class RevocationFeed {
 public:
  struct Options {
    std::chrono::milliseconds poll_interval{500};
    std::chrono::milliseconds prune_interval{60'000};
  };

  RevocationFeed(storage::Database& db, core::BlockingPool& pool, RevocationList& list,
                 LiveSessions& sessions, Options options);

  // Reads every revocation stored so far, on the calling thread: at start-up, before serving.
  void load();
  // Polls from an I/O context until it stops.
  void start(boost::asio::io_context& ctx);
  // A revocation just stored on this node: into the list and to the local sockets now.
  void publish(const storage::Revocation& r);
  // Called with the user of every user-wide revocation (a password change, an account disabled
  // or deleted), on the thread that applies it; those made here come again through the feed.
  // Set before start().
  void on_user_revoked(std::function<void(std::int64_t user_id)> listener) {
    on_user_revoked_ = std::move(listener);
  }

  std::uint64_t failed_polls() const { return failed_polls_.load(std::memory_order_relaxed); }

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> poll_once();
  boost::asio::awaitable<void> prune_once();
  void apply(const std::vector<storage::Revocation>& rows);

  storage::Database& db_;
  core::BlockingPool& pool_;
  RevocationList& list_;
  LiveSessions& sessions_;
  Options options_;
  std::function<void(std::int64_t)> on_user_revoked_;
  std::int64_t cursor_ = 0;  // the highest id read from the database; touched by the poller only
  std::atomic<std::uint64_t> failed_polls_{0};
  core::ErrorTally poll_errors_{"auth: revocation feed poll failed", std::chrono::seconds(30)};
};

}  // namespace chatd::auth
