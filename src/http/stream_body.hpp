#pragma once
// The server side of BodyReader: reads an upload's body from the socket in pieces, with the
// size limit checked as bytes arrive, so the whole body is never in memory.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <vector>

#include "http/body_reader.hpp"

namespace chatd::http {

// Bounds one read of a request body. Beast's own stream deadline closes the socket when it
// passes, which leaves no way to answer 408; this one cancels the read instead.
class ReadDeadline {
 public:
  virtual void arm(std::chrono::seconds timeout) = 0;
  // Ends the wait; true when the deadline passed (and cancelled the read).
  virtual bool disarm() = 0;

 protected:
  ~ReadDeadline() = default;
};

class StreamBodyReader final : public BodyReader {
 public:
  // Takes over a parser that has read only the header. limit: the most body bytes accepted
  // (413 beyond); timeout: the longest wait for the next bytes (408), kept by deadline.
  StreamBodyReader(boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer,
                   boost::beast::http::request_parser<boost::beast::http::string_body>&& header,
                   std::uint64_t limit, std::chrono::seconds timeout, ReadDeadline& deadline);

  boost::asio::awaitable<std::string_view> read() override;
  bool done() const override { return parser_.is_done(); }
  std::optional<std::uint64_t> content_length() const override {
    const auto len = parser_.content_length();
    return len ? std::optional<std::uint64_t>(*len) : std::nullopt;
  }
  bool keep_alive() const { return parser_.keep_alive(); }

 private:
  boost::beast::tcp_stream& stream_;
  boost::beast::flat_buffer& buffer_;
  boost::beast::http::request_parser<boost::beast::http::buffer_body> parser_;
  std::chrono::seconds timeout_;
  ReadDeadline& deadline_;
  bool expect_continue_ = false;
  std::optional<int> failed_;  // status of an earlier failure, repeated on later reads
  std::vector<char> piece_;
};

}  // namespace chatd::http
