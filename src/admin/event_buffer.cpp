#include "admin/event_buffer.hpp"

#include <boost/json/object.hpp>

namespace chatd::admin {
namespace json = boost::json;
namespace {

void add(json::array& out, std::int64_t second, const char* type, std::uint64_t count,
         std::string_view sub_type = {}) {
  if (count == 0) return;
  json::object e{{"timestamp", second}, {"type", type}, {"count", count}};
  if (!sub_type.empty()) e["subType"] = sub_type;
  out.push_back(std::move(e));
}

std::uint64_t take(std::atomic<std::uint64_t>& counter) {
  return counter.exchange(0, std::memory_order_relaxed);
}

}  // namespace

void EventBuffer::disconnection(std::string_view reason) {
  std::lock_guard lock(mutex_);
  auto it = disconnections_.find(reason);
  if (it == disconnections_.end()) it = disconnections_.emplace(std::string(reason), 0).first;
  ++it->second;
}

void EventBuffer::packet_in(std::size_t shard, std::size_t bytes) {
  auto& t = traffic_[shard];
  t.packets_in.fetch_add(1, std::memory_order_relaxed);
  t.bytes_in.fetch_add(bytes, std::memory_order_relaxed);
}

void EventBuffer::packet_out(std::size_t shard, std::size_t bytes) {
  auto& t = traffic_[shard];
  t.packets_out.fetch_add(1, std::memory_order_relaxed);
  t.bytes_out.fetch_add(bytes, std::memory_order_relaxed);
}

json::array EventBuffer::take(std::int64_t now_ms) {
  const std::int64_t second = now_ms - now_ms % 1000;
  json::array out;
  add(out, second, "rawConnection", admin::take(connections_));
  {
    std::lock_guard lock(mutex_);
    for (const auto& [reason, count] : disconnections_)
      add(out, second, "rawDisconnection", count, reason);
    disconnections_.clear();
  }
  std::uint64_t packets_in = 0, bytes_in = 0, packets_out = 0, bytes_out = 0;
  for (auto& t : traffic_) {
    packets_in += admin::take(t.packets_in);
    bytes_in += admin::take(t.bytes_in);
    packets_out += admin::take(t.packets_out);
    bytes_out += admin::take(t.bytes_out);
  }
  add(out, second, "packetsIn", packets_in);
  add(out, second, "bytesIn", bytes_in);
  add(out, second, "packetsOut", packets_out);
  add(out, second, "bytesOut", bytes_out);
  return out;
}

}  // namespace chatd::admin
