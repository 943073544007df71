#pragma once
// Name/value pairs (a handshake's headers or query) packed into one buffer. A session keeps its
// handshake for its whole life, and a vector of string pairs costs a 64-byte pair plus a heap
// block per long name or value: a browser's headers took ~880 bytes per connection that way,
// about 450 packed.
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace chatd::engineio {

class FieldList {
 public:
  using Field = std::pair<std::string_view, std::string_view>;

  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Field;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Field;

    iterator() = default;
    Field operator*() const;
    iterator& operator++();
    iterator operator++(int) {
      auto before = *this;
      ++*this;
      return before;
    }
    bool operator==(const iterator& other) const { return at_ == other.at_; }

   private:
    friend class FieldList;
    explicit iterator(const char* at) : at_(at) {}
    const char* at_ = nullptr;
  };

  void add(std::string_view name, std::string_view value);
  // Frees spare capacity once the list is complete.
  void shrink_to_fit() { data_.shrink_to_fit(); }
  // The first field with exactly this name.
  std::optional<std::string_view> find(std::string_view name) const;

  iterator begin() const { return iterator(data_.data()); }
  iterator end() const { return iterator(data_.data() + data_.size()); }
  bool empty() const { return data_.empty(); }

 private:
  // Per field: name size and value size (native uint32, never leaves the process), then both.
  std::string data_;
};

}  // namespace chatd::engineio
