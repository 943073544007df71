#pragma once
// The timer of the real-time layer: bound to the io_context executor, so the timer and its
// pending waits are smaller than with any_io_executor (many live per connection count).
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>

namespace chatd::engineio {

using Timer = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                boost::asio::wait_traits<std::chrono::steady_clock>,
                                                boost::asio::io_context::executor_type>;

}  // namespace chatd::engineio
