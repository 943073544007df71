#include "storage/batch_plan.hpp"

#include <functional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

#include "storage/query_parts.hpp"

namespace chatd::storage {
namespace {

struct ClientKeyHash {
  std::size_t operator()(const ClientKey& k) const {
    return std::hash<std::string_view>()(k.client_msg_id) ^
           (static_cast<std::size_t>(k.sender_id) * 0x9E3779B97F4A7C15ull);
  }
};

template <typename V>
using KeyMap = std::unordered_map<ClientKey, V, ClientKeyHash>;

}  // namespace

std::vector<ClientKey> client_keys(const std::vector<NewMessage>& batch) {
  std::vector<ClientKey> out;
  KeyMap<bool> seen;
  for (const auto& m : batch) {
    if (!m.client_msg_id) continue;
    ClientKey key{m.sender_id, *m.client_msg_id};
    if (seen.emplace(key, true).second) out.push_back(key);
  }
  return out;
}

BatchPlan plan_batch(const std::vector<NewMessage>& batch, const std::vector<Message>& stored) {
  BatchPlan plan;
  plan.slots.resize(batch.size());
  plan.fresh.reserve(batch.size());
  // Key -> (source, ref) of the first message with it: a stored one, or one of this batch.
  KeyMap<BatchPlan::Slot> first;
  for (std::size_t j = 0; j < stored.size(); ++j)
    if (stored[j].client_msg_id)
      first.emplace(ClientKey{stored[j].sender_id, *stored[j].client_msg_id},
                    BatchPlan::Slot{BatchPlan::Source::kStored, j});
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& m = batch[i];
    if (m.client_msg_id) {
      auto [it, fresh] = first.emplace(ClientKey{m.sender_id, *m.client_msg_id},
                                       BatchPlan::Slot{BatchPlan::Source::kEarlier, i});
      if (!fresh) {
        plan.slots[i] = it->second;
        continue;
      }
    }
    plan.slots[i] = {BatchPlan::Source::kFresh, plan.fresh.size()};
    plan.fresh.push_back(i);
  }
  return plan;
}

std::vector<Message> batch_result(std::vector<NewMessage>& batch, const BatchPlan& plan,
                                  std::vector<Assigned> assigned, std::vector<Message> stored) {
  if (assigned.size() != plan.fresh.size())
    throw std::runtime_error("insert_batch: " + std::to_string(plan.fresh.size()) +
                             " messages to store, " + std::to_string(assigned.size()) +
                             " rows back");
  std::vector<Message> out;
  out.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& slot = plan.slots[i];
    switch (slot.source) {
      case BatchPlan::Source::kFresh: {
        auto& a = assigned[slot.ref];
        out.push_back(stored_message(std::move(batch[i]), a.id, a.created_at, a.updated_at,
                                     std::move(a.sender_username)));
        continue;
      }
      case BatchPlan::Source::kStored:
        // Copied, not moved: several repeats of one stored message may share it.
        out.push_back(stored[slot.ref]);
        break;
      case BatchPlan::Source::kEarlier:
        out.push_back(out[slot.ref]);
        break;
    }
    out.back().duplicate = true;
  }
  return out;
}

}  // namespace chatd::storage
