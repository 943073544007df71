#pragma once
// An outgoing engine.io packet, already encoded, shareable between every recipient of a
// broadcast: the bytes are made once and only the pointer is copied per socket.
#include <memory>
#include <string>

namespace chatd::engineio {

struct OutFrame {
  // Text: the full engine.io text packet ("4..." for a message, "2" for a ping).
  // Binary: the raw bytes of a binary message.
  std::shared_ptr<const std::string> data;
  bool binary = false;

  std::size_t size() const { return data ? data->size() : 0; }
};

inline OutFrame text_frame(std::string text) {
  return {std::make_shared<const std::string>(std::move(text)), false};
}
inline OutFrame binary_frame(std::string bytes) {
  return {std::make_shared<const std::string>(std::move(bytes)), true};
}

}  // namespace chatd::engineio
