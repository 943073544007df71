#pragma once
// The Admin UI's aggregated events: counts of connections, disconnections (by reason), packets
// and bytes in and out, per second, handed over with each server_stats and then forgotten.
// Packet counts are kept per I/O thread (no shared cache line on the hot path).
#include <atomic>
#include <boost/json/array.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::admin {

class EventBuffer {
 public:
  explicit EventBuffer(std::size_t shards) : traffic_(shards) {}

  void connection() { connections_.fetch_add(1, std::memory_order_relaxed); }
  void disconnection(std::string_view reason);
  void packet_in(std::size_t shard, std::size_t bytes);
  void packet_out(std::size_t shard, std::size_t bytes);

  // What was counted since the last call, as [{timestamp, type, subType?, count}], stamped with
  // `now_ms` rounded down to the second; the counts start again from zero.
  boost::json::array take(std::int64_t now_ms);

 private:
  struct alignas(64) Traffic {
    std::atomic<std::uint64_t> packets_in{0}, bytes_in{0}, packets_out{0}, bytes_out{0};
  };
  std::atomic<std::uint64_t> connections_{0};
  std::mutex mutex_;
  std::map<std::string, std::uint64_t, std::less<>> disconnections_;  // by reason
  std::vector<Traffic> traffic_;
};

}  // namespace chatd::admin
