#pragma once
// Who hears a user's presence: not the whole namespace (a connect storm of N users would cost
// N² deliveries) but
//   - the users who share a 1:1 conversation with them (room user:<peer>, every device), and
//   - the sockets that subscribed to them (room presence:<id>, presence_subscribe),
// in one broadcast per change: a socket in several of those rooms hears it once, on every node
// (the namespace's adapter crosses nodes). Transitions are coalesced per user
// (PresenceCoalescer); when a user's window ends, presence::Presence::settle says whether their
// state differs from the one last announced (cluster-wide), and only then is it announced.
//
// Peers come from the store (MessageRepository::conversation_peers), read in one query for all
// the users whose windows end together, at the moment they leave: a conversation started a
// moment ago, through any node, counts. Nothing is cached, so nothing goes stale; the read
// costs one query per coalescing window with changes in it, not one per change.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "chat/presence_coalescer.hpp"
#include "core/blocking_pool.hpp"
#include "presence/presence.hpp"
#include "realtime/socketio/namespace.hpp"
#include "storage/repository.hpp"

namespace chatd::chat {

std::string presence_room(std::int64_t user_id);
// How many presence rooms the socket is in.
std::size_t presence_subscriptions(const socketio::Socket& socket);

class PresenceFeed {
 public:
  // `executor`: where the feed's state lives and its timer runs (one I/O thread). `window`:
  // PRESENCE_COALESCE_MS.
  PresenceFeed(socketio::Namespace& nsp, presence::Presence& presence, storage::Database& db,
               core::BlockingPool& pool, boost::asio::any_io_executor executor,
               std::chrono::milliseconds window);
  PresenceFeed(const PresenceFeed&) = delete;
  PresenceFeed& operator=(const PresenceFeed&) = delete;

  // A transition of the user (from presence::PresenceListener; which way does not matter:
  // settling reads the state). Any thread.
  void changed(std::int64_t user);
  // Presence broadcasts made (changes that survived coalescing).
  std::uint64_t announced() const { return announced_; }
  // From now on every window ends at once (this process is stopping: its last users' changes
  // are announced before it goes, not after a window it will not see the end of). Any thread.
  void hurry();
  // Nothing is waiting to be settled or announced. Any thread.
  bool idle() const { return queued_ == 0 && idle_; }

 private:
  using Clock = PresenceCoalescer::Clock;
  using Pairs = std::vector<std::pair<std::int64_t, std::int64_t>>;
  void arm();
  void note_idle() { idle_ = coalescer_.empty() && !busy_; }
  void on_timer();
  boost::asio::awaitable<void> settle_and_announce(std::vector<std::int64_t> due);
  boost::asio::awaitable<Pairs> peers_of(const std::vector<presence::Change>& changes);
  void announce(const std::vector<presence::Change>& changes, Pairs peers);

  socketio::Namespace& nsp_;
  presence::Presence& presence_;
  storage::Database& db_;
  core::BlockingPool& pool_;
  boost::asio::any_io_executor executor_;
  std::atomic<std::uint64_t> announced_{0};
  std::atomic<std::size_t> queued_{0};  // changes posted to executor_, not taken in yet
  std::atomic<bool> idle_{true};        // no open window, no batch under way

  // On executor_ only.
  PresenceCoalescer coalescer_;
  boost::asio::steady_timer timer_;
  Clock::time_point armed_for_{};  // {} when the timer is not set
  // A batch is being settled and announced; windows ending meanwhile wait for it, so that one
  // user's changes leave in order.
  bool busy_ = false;
  bool hurry_ = false;
};

}  // namespace chatd::chat
