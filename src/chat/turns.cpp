#include "chat/turns.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

namespace chatd::chat {
namespace asio = boost::asio;

asio::awaitable<void> TurnQueue::acquire() {
  if (!busy_ && waiting_.empty()) {
    busy_ = true;
    co_return;
  }
  asio::steady_timer turn(co_await asio::this_coro::executor,
                          std::chrono::steady_clock::time_point::max());
  waiting_.push_back(&turn);
  boost::system::error_code ec;
  co_await turn.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  // release() handed the turn over: busy_ stays true.
}

void TurnQueue::release() {
  if (waiting_.empty()) {
    busy_ = false;
    return;
  }
  auto* next = waiting_.front();
  waiting_.erase(waiting_.begin());
  next->cancel();
}

}  // namespace chatd::chat
