#include "core/io_pool.hpp"

#include <spdlog/spdlog.h>

namespace chatd::core {

IoPool::IoPool(std::size_t size) {
  if (size == 0) size = 1;
  for (std::size_t i = 0; i < size; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
}

IoPool::~IoPool() {
  stop();
  join();
}

boost::asio::io_context& IoPool::next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void IoPool::start() {
  for (auto& ctx : contexts_) {
    threads_.emplace_back([c = ctx.get()] {
      for (;;) {
        try {
          c->run();
          return;
        } catch (const std::exception& e) {
          // A handler bug must not take the whole server down.
          spdlog::error("uncaught exception on I/O thread: {}", e.what());
        }
      }
    });
  }
}

void IoPool::release_work() {
  for (auto& g : guards_) g.reset();
}

void IoPool::stop() {
  for (auto& ctx : contexts_) ctx->stop();
}

void IoPool::join() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace chatd::core
