#pragma once
// Runs a coroutine to its end on an io_context of its own and returns its result (or rethrows):
// for unit tests of code that is awaitable but needs no other thread.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace chatd::test_support {

template <typename T>
T run_awaitable(boost::asio::awaitable<T> task) {
  boost::asio::io_context io;
  auto result = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  io.run();
  return result.get();
}

}  // namespace chatd::test_support
