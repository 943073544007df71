#pragma once
// Awaits an operation that reports through a callback on some other thread (Redis replies,
// gathers over I/O threads): the coroutine resumes on its own executor. `start` receives the
// callback and must make sure it is called exactly once.
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>

namespace chatd::core {

template <typename T, typename Start>
boost::asio::awaitable<T> await_callback(Start start) {
  auto initiation = [start = std::move(start)](auto handler) mutable {
    using Handler = decltype(handler);
    auto work = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler));
    auto shared = std::make_shared<Handler>(std::move(handler));
    start(std::function<void(T)>([shared, work](T value) mutable {
      auto executor = work.get_executor();
      boost::asio::post(executor, [shared, value = std::move(value)]() mutable {
        std::move (*shared)(std::move(value));
      });
      work.reset();
    }));
  };
  co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(T)>(
      std::move(initiation), boost::asio::use_awaitable);
}

}  // namespace chatd::core
