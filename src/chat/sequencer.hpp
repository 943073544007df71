#pragma once
// Live delivery of stored messages, in id order, on this node (docs/architecture.md, "Delivery
// in id order"). A socket must never be shown message k+1 before message k of its rooms: a
// client that saw k+1 and then lost its connection recovers "everything after k+1", and k would
// be lost. Batches commit in id order on one node, but a cluster's nodes commit in turns and
// hear each other through Redis, so nothing else puts them in order.
//
// The sequencer takes stored messages from three sources: this node's committed batches (the
// BatchWriter's commit listener), the records other nodes publish (the cluster link), and reads
// of the store. It delivers id `next`, `next` + 1, ... as they become contiguous (a local
// broadcast whose offset is the id), and keeps the others waiting. Ids are gap-free and
// commit-ordered (storage: if k+1 exists, every id up to k is committed and visible), so a gap
// is always filled by a read: when one is older than gap_wait; every `poll` while the link to
// the other nodes is down, and right after it comes back (messages stored meanwhile reach this
// node's sockets then, in order, once); and for what was committed more than idle_check ago and
// never arrived (a node that died between its commit and its publication, or a commit of this
// node whose outcome it did not learn: the database did not answer it in time). The idle check
// runs on a single node too.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chat/batch_writer.hpp"
#include "chat/delivery_order.hpp"
#include "chat/message_json.hpp"
#include "core/blocking_pool.hpp"
#include "core/error_tally.hpp"
#include "realtime/socketio/namespace.hpp"
#include "storage/repository.hpp"

namespace chatd::chat {

// The seam to the other nodes of a cluster, wired by the composition root (cluster::Node):
// chat knows nothing of Redis.
struct ClusterLink {
  std::string node;  // this node's id: its own records, heard back, are skipped
  // Sends bytes to every node (any thread); theirs come back through Sequencer::remote().
  std::function<void(std::string bytes)> publish;
  // Whether the other nodes' records are arriving (the link is up).
  std::function<bool()> up;
};

struct SequencerOptions {
  std::chrono::milliseconds gap_wait{150};
  std::chrono::milliseconds poll{250};
  std::chrono::milliseconds idle_check{1000};
  std::size_t read_batch = 1000;  // messages per read of the store
};

class Sequencer {
 public:
  // `timers`: where timers run and reads complete (an I/O thread).
  Sequencer(socketio::Namespace& nsp, storage::Database& db, core::BlockingPool& pool,
            boost::asio::any_io_executor timers, ImageLinker link,
            std::optional<ClusterLink> cluster, SequencerOptions options = {});
  ~Sequencer();
  Sequencer(const Sequencer&) = delete;
  Sequencer& operator=(const Sequencer&) = delete;

  // Delivery starts after the newest stored message (a blocking read): older ones are not
  // delivered live, recovery replays them. Before the first message can be stored.
  void start();
  void stop();

  // The BatchWriter's commit listener (writer thread): encodes, publishes, delivers.
  void committed(std::span<const BatchWriter::Committed> batch);
  // A record another node published (any thread).
  void remote(std::string_view bytes);

  // The next id to deliver: every id before it has gone out (or does not exist).
  std::int64_t next() const;
  std::uint64_t read_messages() const { return read_messages_; }

 private:
  void push_locked(std::int64_t id, Outgoing record);
  void deliver(std::int64_t id, Outgoing record);
  void after_push_locked();
  void arm_gap_timer_locked();
  void on_gap_timer();
  void arm_tick();
  void on_tick();
  // Reads (after next - 1, up_to] from the store and delivers it; up_to = max: all there is.
  void start_read_locked(std::int64_t up_to);
  boost::asio::awaitable<void> read(std::int64_t up_to);
  boost::asio::awaitable<void> check_idle();
  // Logs a failed read of the store, at most a line per 10 s.
  void read_failed(const std::exception& e, const std::string& what);

  socketio::Namespace& nsp_;
  storage::Database& db_;
  core::BlockingPool& pool_;
  boost::asio::any_io_executor timers_;
  ImageLinker link_;
  std::optional<ClusterLink> cluster_;
  SequencerOptions options_;

  mutable std::mutex mutex_;
  DeliveryOrder order_{1};
  bool reading_ = false;
  bool gap_armed_ = false;
  bool stopped_ = false;
  std::atomic<std::uint64_t> read_messages_{0};
  core::ErrorTally read_errors_{"delivery"};

  // Timer executor only.
  boost::asio::steady_timer gap_timer_;
  boost::asio::steady_timer tick_;
  bool link_was_down_ = false;
  int ticks_ = 0;
  std::int64_t idle_head_ = 0;  // the store's head at the last idle check
};

}  // namespace chatd::chat
