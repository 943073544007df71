#include "http/stream_body.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "core/as_tuple.hpp"
#include "http/error.hpp"

namespace chatd::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {
constexpr std::size_t kPieceBytes = 64 * 1024;

HttpError failure(int status) {
  switch (status) {
    case 413:
      return HttpError(413, "Request body too large");
    case 408:
      return HttpError(408, "Request timeout");
    default:
      return HttpError(400, "Malformed or incomplete request body");
  }
}
}  // namespace

StreamBodyReader::StreamBodyReader(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                   bhttp::request_parser<bhttp::string_body>&& header,
                                   std::uint64_t limit, std::chrono::seconds timeout,
                                   ReadDeadline& deadline)
    : stream_(stream),
      buffer_(buffer),
      parser_(std::move(header)),
      timeout_(timeout),
      deadline_(deadline),
      piece_(kPieceBytes) {
  parser_.body_limit(limit);
  expect_continue_ = parser_.get()[bhttp::field::expect] == "100-continue";
}

boost::asio::awaitable<std::string_view> StreamBodyReader::read() {
  if (failed_) throw failure(*failed_);
  // The client waits for this before sending: only now, after routing and authentication
  // passed, is the body wanted.
  if (expect_continue_) {
    expect_continue_ = false;
    bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
    stream_.expires_after(timeout_);
    auto [ec, n] = co_await bhttp::async_write(stream_, cont, core::kTuple);
    stream_.expires_never();
    if (ec) {
      failed_ = 400;
      throw failure(400);
    }
  }
  while (!parser_.is_done()) {
    auto& body = parser_.get().body();
    body.data = piece_.data();
    body.size = piece_.size();
    deadline_.arm(timeout_);
    auto [ec, n] = co_await bhttp::async_read_some(stream_, buffer_, parser_, core::kTuple);
    // No deadline while the handler works between reads (e.g. stores a block in Azure).
    if (deadline_.disarm()) ec = beast::error::timeout;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) {
      failed_ = ec == bhttp::error::body_limit ? 413 : ec == beast::error::timeout ? 408 : 400;
      throw failure(*failed_);
    }
    const auto got = piece_.size() - parser_.get().body().size;
    if (got) co_return std::string_view(piece_.data(), got);
  }
  co_return std::string_view();
}

}  // namespace chatd::http
