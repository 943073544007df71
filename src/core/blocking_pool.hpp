#pragma once
// Runs blocking work (database calls, argon2) on a dedicated thread pool and resumes the
// awaiting coroutine on its own I/O executor, so I/O threads never block.
//
// GCC 12 destroys twice a prvalue argument with a non-trivial destructor that appears inside a
// co_await expression (a capturing lambda, a std::string temporary...). Callers therefore pass
// named objects: `auto job = [...] {...}; co_await pool.run(std::move(job));`. The same rule
// holds for every coroutine call in this code base.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <type_traits>
#include <utility>

namespace chatd::core {

class BlockingPool {
 public:
  explicit BlockingPool(std::size_t threads) : pool_(threads) {}
  ~BlockingPool() { pool_.join(); }

  template <typename F>
  boost::asio::awaitable<std::invoke_result_t<std::decay_t<F>>> run(F&& f) {
    using R = std::invoke_result_t<std::decay_t<F>>;
    return boost::asio::co_spawn(
        pool_, [f = std::forward<F>(f)]() mutable -> boost::asio::awaitable<R> { co_return f(); },
        boost::asio::use_awaitable);
  }

  boost::asio::thread_pool::executor_type executor() { return pool_.get_executor(); }
  void stop() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace chatd::core
