#pragma once
// The order half of the sequencer (chat/sequencer.hpp), without threads or I/O: stored messages
// arrive by id from several sources, in any order and possibly twice, and leave in id order,
// each once, with no id skipped unless it is known not to exist.
#include <cstdint>
#include <map>
#include <optional>

#include "realtime/socketio/adapter.hpp"

namespace chatd::chat {

// A stored message ready to go out: its event encoded once, and where it goes.
struct Outgoing {
  socketio::BroadcastTarget target;
  socketio::SharedPacket packet;
};

class DeliveryOrder {
 public:
  // `next`: the first id to deliver (the ones before it are not delivered live).
  explicit DeliveryOrder(std::int64_t next) : next_(next) {}

  std::int64_t next() const { return next_; }
  // Takes a record: when it is next in line it goes to f(id, record) at once, followed by the
  // waiting ones it lets go, in order; otherwise it waits. False when the id was delivered
  // already or is waiting (the record is dropped).
  template <typename F>
  bool push(std::int64_t id, Outgoing record, F&& f);
  // The first waiting id when some id before it is missing (a gap), else nullopt.
  std::optional<std::int64_t> gap_end() const;
  std::size_t waiting() const { return waiting_.size(); }
  // The ids up to `last` that are not waiting do not exist (a complete read of that range did
  // not find them): they are passed over, draining what becomes next in line on the way.
  template <typename F>
  void pass_missing(std::int64_t last, F&& f);

 private:
  template <typename F>
  void drain(F&& f);

  std::int64_t next_;
  std::map<std::int64_t, Outgoing> waiting_;
};

template <typename F>
bool DeliveryOrder::push(std::int64_t id, Outgoing record, F&& f) {
  if (id < next_) return false;
  if (id > next_) return waiting_.try_emplace(id, std::move(record)).second;
  // In line (the usual case on one node): no detour through the map.
  ++next_;
  f(id, std::move(record));
  drain(f);
  return true;
}

template <typename F>
void DeliveryOrder::drain(F&& f) {
  while (!waiting_.empty() && waiting_.begin()->first == next_) {
    auto node = waiting_.extract(waiting_.begin());
    ++next_;
    f(node.key(), std::move(node.mapped()));
  }
}

template <typename F>
void DeliveryOrder::pass_missing(std::int64_t last, F&& f) {
  drain(f);
  while (next_ <= last) {
    const auto first = waiting_.empty() ? last + 1 : waiting_.begin()->first;
    next_ = std::min(first, last + 1);
    drain(f);
  }
}

}  // namespace chatd::chat
