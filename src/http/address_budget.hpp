#pragma once
// Places for open connections: at most `max_total` in all and `max_per_address` from any one
// client address. A place is held by a Slot and given back when the last copy of it is dropped,
// wherever the connection ends up (a WebSocket keeps the place of the HTTP connection it came
// from). Thread-safe; slots may outlive whoever made the budget.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace chatd::http {

class AddressBudget : public std::enable_shared_from_this<AddressBudget> {
 public:
  using Slot = std::shared_ptr<void>;
  enum class Refusal { none, total, address };
  struct Grant {
    Slot slot;  // null when refused
    Refusal refusal = Refusal::none;
  };

  // 0 turns a limit off.
  static std::shared_ptr<AddressBudget> create(std::size_t max_total, std::size_t max_per_address);

  // A place for one more connection from `address`; count_address false takes one from the
  // total only (a trusted proxy speaks for many clients).
  Grant acquire(const std::string& address, bool count_address = true);
  std::size_t open() const;
  std::size_t open_from(std::string_view address) const;

 private:
  AddressBudget(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}
  void release(const std::string* address);

  const std::size_t max_total_;
  const std::size_t max_per_address_;
  mutable std::mutex mutex_;
  std::size_t open_ = 0;
  // Only addresses with an open connection: the map is as large as the connection count.
  std::unordered_map<std::string, std::size_t> per_address_;
};

}  // namespace chatd::http
