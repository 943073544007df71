#include "auth/revocation_feed.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auth/clock.hpp"

namespace chatd::auth {
namespace asio = boost::asio;
namespace {

constexpr int kPage = 1000;

}  // namespace

RevocationFeed::RevocationFeed(storage::Database& db, core::BlockingPool& pool,
                               RevocationList& list, LiveSessions& sessions, Options options)
    : db_(db), pool_(pool), list_(list), sessions_(sessions), options_(options) {}

void RevocationFeed::load() {
  for (;;) {
    auto rows = db_.auth().revocations_after(cursor_, kPage);
    apply(rows);
    if (rows.size() < kPage) break;
  }
  list_.prune(now_millis());
}

void RevocationFeed::publish(const storage::Revocation& r) {
  if (r.kind == storage::RevocationKind::kUser && on_user_revoked_) on_user_revoked_(r.user_id);
  if (list_.add(r)) sessions_.revoke(r);
}

void RevocationFeed::apply(const std::vector<storage::Revocation>& rows) {
  for (const auto& r : rows) {
    // This node's own revocations come back through the feed too: add() knows them already.
    publish(r);
    cursor_ = std::max(cursor_, r.id);
  }
}

void RevocationFeed::start(asio::io_context& ctx) {
  asio::co_spawn(ctx, run(), asio::detached);
}

asio::awaitable<void> RevocationFeed::poll_once() {
  auto job = [this, after = cursor_] { return db_.auth().revocations_after(after, kPage); };
  auto rows = co_await pool_.run(std::move(job));
  apply(rows);
}

asio::awaitable<void> RevocationFeed::prune_once() {
  const auto now = now_millis();
  auto job = [this, now] { return db_.auth().prune(now); };
  const auto removed = co_await pool_.run(std::move(job));
  list_.prune(now);
  if (removed > 0) spdlog::debug("auth: pruned {} expired rows", removed);
}

asio::awaitable<void> RevocationFeed::run() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto next_prune = std::chrono::steady_clock::now();
  for (;;) {
    timer.expires_after(options_.poll_interval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    try {
      co_await poll_once();
      if (std::chrono::steady_clock::now() >= next_prune) {
        next_prune = std::chrono::steady_clock::now() + options_.prune_interval;
        co_await prune_once();
      }
    } catch (const std::exception& e) {
      // A database outage fails every poll (the backend logs it); other errors: a line per
      // 30 s with the count, not one per poll.
      failed_polls_.fetch_add(1, std::memory_order_relaxed);
      if (!dynamic_cast<const storage::UnavailableError*>(&e)) poll_errors_.add(e.what());
    }
  }
}

}  // namespace chatd::auth
