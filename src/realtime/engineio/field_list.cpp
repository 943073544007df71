#include "realtime/engineio/field_list.hpp"

#include <stdexcept>

namespace chatd::engineio {
namespace {

constexpr std::size_t kSizes = 2 * sizeof(std::uint32_t);

std::uint32_t size_at(const char* p) {
  std::uint32_t n;
  std::memcpy(&n, p, sizeof n);
  return n;
}

}  // namespace

FieldList::Field FieldList::iterator::operator*() const {
  const auto name = size_at(at_);
  const auto value = size_at(at_ + sizeof(std::uint32_t));
  return {std::string_view(at_ + kSizes, name), std::string_view(at_ + kSizes + name, value)};
}

FieldList::iterator& FieldList::iterator::operator++() {
  at_ += kSizes + size_at(at_) + size_at(at_ + sizeof(std::uint32_t));
  return *this;
}

void FieldList::add(std::string_view name, std::string_view value) {
  // Requests are bounded far below this by the HTTP parser; the check keeps the sizes honest.
  if (name.size() > UINT32_MAX || value.size() > UINT32_MAX)
    throw std::length_error("field too long");
  const std::uint32_t sizes[2] = {static_cast<std::uint32_t>(name.size()),
                                  static_cast<std::uint32_t>(value.size())};
  data_.append(reinterpret_cast<const char*>(sizes), kSizes);
  data_.append(name);
  data_.append(value);
}

std::optional<std::string_view> FieldList::find(std::string_view name) const {
  for (const auto& [n, v] : *this)
    if (n == name) return v;
  return std::nullopt;
}

}  // namespace chatd::engineio
