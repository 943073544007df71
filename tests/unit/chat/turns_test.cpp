#include "chat/turns.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string>
#include <vector>

namespace chatd::chat {
namespace {
namespace asio = boost::asio;

void poll(asio::io_context& io) {
  io.restart();
  io.poll();
}

// Takes a turn, notes it, waits until `hold` is cancelled, notes that, and gives the turn back.
void take_and_hold(asio::io_context& io, const std::shared_ptr<TurnQueue>& queue,
                   asio::steady_timer& hold, std::vector<std::string>& log, std::string name) {
  auto task = [queue, &hold, &log, name]() -> asio::awaitable<void> {
    co_await queue->acquire();
    Turn turn(queue);
    log.push_back(name + " in");
    boost::system::error_code ec;
    co_await hold.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    log.push_back(name + " out");
  };
  asio::co_spawn(io, std::move(task), asio::detached);
}

void take(asio::io_context& io, const std::shared_ptr<TurnQueue>& queue,
          std::vector<std::string>& log, std::string name) {
  auto task = [queue, &log, name]() -> asio::awaitable<void> {
    co_await queue->acquire();
    Turn turn(queue);
    log.push_back(name + " in");
  };
  asio::co_spawn(io, std::move(task), asio::detached);
}

TEST(TurnQueue, WhileOneHoldsTheTurnTheOthersWaitAndThenGoInArrivalOrder) {
  asio::io_context io;
  auto queue = std::make_shared<TurnQueue>();
  asio::steady_timer hold(io, asio::steady_timer::time_point::max());
  std::vector<std::string> log;
  take_and_hold(io, queue, hold, log, "a");
  take(io, queue, log, "b");
  take(io, queue, log, "c");
  take(io, queue, log, "d");
  poll(io);
  EXPECT_EQ(log, (std::vector<std::string>{"a in"}));
  hold.cancel();
  poll(io);
  EXPECT_EQ(log, (std::vector<std::string>{"a in", "a out", "b in", "c in", "d in"}));
  // All given back: the next one goes at once.
  take(io, queue, log, "e");
  poll(io);
  EXPECT_EQ(log.back(), "e in");
}

TEST(TurnQueue, AHandedOverTurnIsGivenBackByTheCallbackNotByTheGuard) {
  asio::io_context io;
  auto queue = std::make_shared<TurnQueue>();
  std::vector<std::string> log;
  std::function<void()> release;
  auto task = [queue, &release, &log]() -> asio::awaitable<void> {
    co_await queue->acquire();
    Turn turn(queue);
    release = turn.hand_over();  // as the gateway hands it to the service
    log.push_back("a in");
  };
  asio::co_spawn(io, std::move(task), asio::detached);
  take(io, queue, log, "b");
  poll(io);
  // The guard is gone but the turn is not back: b still waits.
  EXPECT_EQ(log, (std::vector<std::string>{"a in"}));
  ASSERT_TRUE(release);
  release();
  poll(io);
  EXPECT_EQ(log, (std::vector<std::string>{"a in", "b in"}));
}

TEST(TurnQueue, ATurnDroppedByAnExceptionIsGivenBack) {
  asio::io_context io;
  auto queue = std::make_shared<TurnQueue>();
  std::vector<std::string> log;
  auto failing = [queue]() -> asio::awaitable<void> {
    co_await queue->acquire();
    Turn turn(queue);
    throw std::runtime_error("message must be a string");
  };
  std::string error;
  asio::co_spawn(io, std::move(failing), [&error](std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      error = ex.what();
    }
  });
  take(io, queue, log, "b");
  poll(io);
  EXPECT_EQ(error, "message must be a string");
  EXPECT_EQ(log, (std::vector<std::string>{"b in"}));
}

TEST(TurnQueue, TheQueueOutlivesItsOwnerWhileATurnIsHandedOver) {
  asio::io_context io;
  struct Owner {
    TurnQueue turns;
  };
  auto owner = std::make_shared<Owner>();
  std::weak_ptr<Owner> watch = owner;
  std::shared_ptr<TurnQueue> queue(owner, &owner->turns);  // as the gateway's turns_of
  std::function<void()> release;
  auto task = [queue, &release]() -> asio::awaitable<void> {
    co_await queue->acquire();
    Turn turn(queue);
    release = turn.hand_over();
  };
  asio::co_spawn(io, std::move(task), asio::detached);
  poll(io);
  queue.reset();
  owner.reset();  // the socket is gone
  EXPECT_FALSE(watch.expired());
  release();
  release = nullptr;
  EXPECT_TRUE(watch.expired());
}

}  // namespace
}  // namespace chatd::chat
