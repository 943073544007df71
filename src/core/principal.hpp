#pragma once
// Who is calling: the authenticated user behind a request or a socket. The HTTP router sets it
// for non-public routes, the chat gateway at the handshake; services take it as the sender.
#include <cstdint>
#include <string>

namespace chatd::core {

struct Principal {
  std::int64_t id = 0;
  std::string username;
};

}  // namespace chatd::core
