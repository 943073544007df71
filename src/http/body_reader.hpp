#pragma once
// A request body read piece by piece, for upload routes: the server hands one to the handler
// instead of reading the body into Request::body, so a large upload never sits in memory whole
// and the size limit holds while the bytes arrive.
#include <algorithm>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::http {

class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // The next piece of the body, valid until the next call; empty once the body is complete.
  // Throws HttpError: 413 past the limit, 400 when the body is malformed or cut off, 408 on a
  // timeout.
  virtual boost::asio::awaitable<std::string_view> read() = 0;
  // True once the whole body was read: only then may the connection be reused.
  virtual bool done() const = 0;
  // The declared Content-Length, when there is one (not for chunked bodies).
  virtual std::optional<std::uint64_t> content_length() const = 0;
};

// A body already in memory (tests, and upload routes reached without the streaming path).
class StringBodyReader final : public BodyReader {
 public:
  explicit StringBodyReader(std::string_view body, std::size_t piece = 64 * 1024)
      : body_(body), piece_(piece ? piece : 1) {}

  boost::asio::awaitable<std::string_view> read() override {
    const auto n = std::min(piece_, body_.size() - offset_);
    const auto out = body_.substr(offset_, n);
    offset_ += n;
    co_return out;
  }
  bool done() const override { return offset_ == body_.size(); }
  std::optional<std::uint64_t> content_length() const override { return body_.size(); }

 private:
  std::string_view body_;
  std::size_t piece_;
  std::size_t offset_ = 0;
};

}  // namespace chatd::http
