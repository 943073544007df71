#pragma once
// X-Request-Id: each HTTP request's id, returned in its response and carried by its log lines.
// An id the client (or a proxy in front) sent is kept when it is sane; otherwise the server
// makes one: a random prefix per server, then a counter (unique without a syscall per request).
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace chatd::http {

// 1-128 characters among letters, digits and - _ . : / + = @ (a UUID, a trace id, a
// base64 token): nothing that could forge a log field or a header.
bool sane_request_id(std::string_view id) noexcept;

class RequestIds {
 public:
  RequestIds();
  // The incoming id when sane, else a new one such as "3f9c0e2a7b1d4c85-1a".
  std::string take(std::string_view incoming);

 private:
  std::string prefix_;
  std::atomic<std::uint64_t> next_{0};
};

}  // namespace chatd::http
