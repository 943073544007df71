#include "chat/delivery_order.hpp"

namespace chatd::chat {

std::optional<std::int64_t> DeliveryOrder::gap_end() const {
  if (waiting_.empty() || waiting_.begin()->first == next_) return std::nullopt;
  return waiting_.begin()->first;
}

}  // namespace chatd::chat
