#pragma once
// `co_await op(..., core::kTuple)` yields (error_code, results...) instead of throwing: the
// completion token every coroutine that handles its own I/O errors passes.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace chatd::core {

inline constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace chatd::core
