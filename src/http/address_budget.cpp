#include "http/address_budget.hpp"

namespace chatd::http {

std::shared_ptr<AddressBudget> AddressBudget::create(std::size_t max_total,
                                                     std::size_t max_per_address) {
  return std::shared_ptr<AddressBudget>(new AddressBudget(max_total, max_per_address));
}

AddressBudget::Grant AddressBudget::acquire(const std::string& address, bool count_address) {
  const bool per_address = count_address && max_per_address_ > 0;
  const std::string* key = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (max_total_ > 0 && open_ >= max_total_) return {nullptr, Refusal::total};
    if (per_address) {
      auto [it, added] = per_address_.try_emplace(address, 0);
      if (it->second >= max_per_address_) return {nullptr, Refusal::address};
      ++it->second;
      key = &it->first;  // node-based map: stable until the entry is erased
    }
    ++open_;
  }
  // The slot's deleter gives the place back; it holds the budget, not the other way round.
  auto self = shared_from_this();
  Slot slot(static_cast<void*>(self.get()), [self, key](void*) { self->release(key); });
  return {std::move(slot), Refusal::none};
}

void AddressBudget::release(const std::string* address) {
  std::lock_guard lock(mutex_);
  --open_;
  if (!address) return;
  auto it = per_address_.find(*address);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

std::size_t AddressBudget::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

std::size_t AddressBudget::open_from(std::string_view address) const {
  std::lock_guard lock(mutex_);
  auto it = per_address_.find(std::string(address));
  return it == per_address_.end() ? 0 : it->second;
}

}  // namespace chatd::http
