#include "chat/batch_writer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "chat/error.hpp"
#include "fakes.hpp"

namespace chatd::chat {
namespace {
namespace asio = boost::asio;
using testing::FakeDatabase;
using testing::run_until;
using testing::text_message;

struct Outcome {
  bool done = false;
  std::int64_t id = 0;
  std::string content;
  std::string error;
  std::optional<ErrorKind> kind;  // when the error is a ChatError
  std::thread::id resumed_on;
};

// Starts one store on io, as a sender does; on_queued counts the messages that have their place.
void store(asio::io_context& io, BatchWriter& writer, std::int64_t sender, std::string text,
           Outcome& out, std::atomic<int>& queued) {
  auto task = [&writer, &out, &queued, sender, text]() -> asio::awaitable<void> {
    auto message = text_message(sender, text);
    std::function<void()> on_queued = [&queued] { ++queued; };
    try {
      auto stored = co_await writer.store(std::move(message), std::move(on_queued));
      out.id = stored.id;
      out.content = stored.content;
    } catch (const ChatError& e) {
      out.error = e.what();
      out.kind = e.kind();
    } catch (const std::exception& e) {
      out.error = e.what();
    }
    out.resumed_on = std::this_thread::get_id();
    out.done = true;
  };
  asio::co_spawn(io, std::move(task), asio::detached);
}

// Runs what io has ready now (the spawned senders, up to their first suspension).
void poll(asio::io_context& io) {
  io.restart();
  io.poll();
}

bool all_done(const std::vector<Outcome>& outs) {
  return std::all_of(outs.begin(), outs.end(), [](const Outcome& o) { return o.done; });
}

class BatchWriterTest : public ::testing::Test {
 protected:
  // Sends a first message and returns once the writer is in its transaction, held there until
  // messages_.gate opens: what is sent meanwhile queues up behind it.
  void hold_writer(Outcome& first) {
    messages_.gate.close();
    store(io_, *writer_, 1, "first", first, queued_);
    poll(io_);
    messages_.wait_for_calls(1);
  }
  void send(std::int64_t sender, std::string text, Outcome& out) {
    store(io_, *writer_, sender, std::move(text), out, queued_);
  }

  FakeDatabase db_;
  testing::FakeMessages& messages_ = db_.fake_messages();
  std::unique_ptr<BatchWriter> writer_ = std::make_unique<BatchWriter>(db_);
  testing::OpenOnExit open_on_exit_{messages_.gate};  // before the writer's destructor joins
  asio::io_context io_;
  std::atomic<int> queued_{0};
};

using Batches = std::vector<std::vector<std::string>>;

TEST_F(BatchWriterTest, ABurstFromOneSenderIsStoredInOrderInOneTransaction) {
  constexpr int kBurst = 50;
  std::vector<Outcome> outs(kBurst);
  hold_writer(outs[0]);
  for (int i = 1; i < kBurst; ++i) send(1, "m" + std::to_string(i), outs[i]);
  poll(io_);
  // on_queued ran for each as it took its place, before anything was committed.
  EXPECT_EQ(queued_, kBurst);
  EXPECT_FALSE(outs[0].done);
  messages_.gate.open();
  run_until(io_, [&] { return all_done(outs); });

  std::vector<std::string> rest;
  for (int i = 1; i < kBurst; ++i) rest.push_back("m" + std::to_string(i));
  EXPECT_EQ(messages_.batches(), (Batches{{"first"}, rest}));
  EXPECT_EQ(outs[0].content, "first");
  for (int i = 0; i < kBurst; ++i) {
    EXPECT_EQ(outs[i].error, "");
    if (i > 0) {
      EXPECT_EQ(outs[i].content, "m" + std::to_string(i));  // each sender gets its own row
    }
    EXPECT_EQ(outs[i].id, i + 1);
    EXPECT_EQ(outs[i].resumed_on, std::this_thread::get_id());
  }
  EXPECT_EQ(writer_->batches(), 2u);
  EXPECT_EQ(writer_->stored(), static_cast<std::uint64_t>(kBurst));
}

TEST_F(BatchWriterTest, SendersOnSeveralThreadsShareABatchAndEachKeepsItsOrder) {
  Outcome first;
  hold_writer(first);
  constexpr int kSenders = 3;
  constexpr int kEach = 40;
  std::vector<std::vector<Outcome>> outs(kSenders, std::vector<Outcome>(kEach));
  std::vector<std::thread::id> sender_threads(kSenders);
  std::vector<std::thread> threads;
  for (int s = 0; s < kSenders; ++s) {
    threads.emplace_back([&, s] {
      sender_threads[s] = std::this_thread::get_id();
      asio::io_context io;
      for (int i = 0; i < kEach; ++i)
        store(io, *writer_, s + 1, std::to_string(s) + ":" + std::to_string(i), outs[s][i],
              queued_);
      run_until(io, [&] { return all_done(outs[s]); });
    });
  }
  while (queued_ < 1 + kSenders * kEach) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  messages_.gate.open();
  for (auto& t : threads) t.join();
  run_until(io_, [&] { return first.done; });

  const auto batches = messages_.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[1].size(), static_cast<std::size_t>(kSenders * kEach));
  const auto order = messages_.stored_in_order();
  for (int s = 0; s < kSenders; ++s) {
    std::vector<std::string> mine;
    for (const auto& c : order)
      if (c.starts_with(std::to_string(s) + ":")) mine.push_back(c);
    ASSERT_EQ(mine.size(), static_cast<std::size_t>(kEach));
    for (int i = 0; i < kEach; ++i) {
      EXPECT_EQ(mine[i], std::to_string(s) + ":" + std::to_string(i));
      EXPECT_EQ(outs[s][i].content, mine[i]);
      if (i > 0) {
        EXPECT_GT(outs[s][i].id, outs[s][i - 1].id);
      }
      // Resumed on the sender's own thread, not the writer's.
      EXPECT_EQ(outs[s][i].resumed_on, sender_threads[s]);
    }
  }
}

TEST_F(BatchWriterTest, AFailedBatchFailsEachOfItsSendersAndTheNextBatchWorks) {
  std::vector<Outcome> outs(4);
  messages_.fail_call(2);
  hold_writer(outs[0]);
  send(1, "b", outs[1]);
  send(2, "c", outs[2]);
  send(3, "d", outs[3]);
  poll(io_);
  messages_.gate.open();
  run_until(io_, [&] { return all_done(outs); });

  EXPECT_EQ(outs[0].error, "");
  EXPECT_EQ(outs[0].id, 1);
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(outs[i].error, "disk full") << i;
    EXPECT_EQ(outs[i].id, 0) << i;
  }

  // The writer goes on: the next message is stored.
  Outcome after;
  send(1, "e", after);
  run_until(io_, [&] { return after.done; });
  EXPECT_EQ(after.error, "");
  EXPECT_EQ(after.content, "e");
  EXPECT_EQ(after.id, 2);
  EXPECT_EQ(messages_.batches(), (Batches{{"first"}, {"e"}}));
  EXPECT_EQ(writer_->batches(), 2u);
  EXPECT_EQ(writer_->stored(), 2u);
}

TEST_F(BatchWriterTest, ACommitWithUnknownOutcomeTellsEachSenderToRetryWithItsKey) {
  std::vector<Outcome> outs(3);
  messages_.fail_call(2, std::make_exception_ptr(storage::OutcomeUnknownError(
                             "PostgreSQL: commit outcome unknown: connection lost")));
  hold_writer(outs[0]);
  send(1, "b", outs[1]);
  send(2, "c", outs[2]);
  poll(io_);
  messages_.gate.open();
  run_until(io_, [&] { return all_done(outs); });
  EXPECT_EQ(outs[0].error, "");
  for (int i = 1; i < 3; ++i) {
    EXPECT_EQ(outs[i].error, kOutcomeUnknown) << i;
    EXPECT_EQ(outs[i].kind, ErrorKind::kOutcomeUnknown) << i;
  }
  // The database was not there: its own error goes on as it is (the transports say "Database
  // unavailable").
  messages_.fail_call(3, std::make_exception_ptr(storage::UnavailableError("PostgreSQL: down")));
  Outcome down;
  send(1, "d", down);
  run_until(io_, [&] { return down.done; });
  EXPECT_EQ(down.error, "PostgreSQL: down");
  EXPECT_FALSE(down.kind);
}

TEST_F(BatchWriterTest, ALongQueueIsWrittenInBatchesOfAtMostMaxBatch) {
  writer_ = std::make_unique<BatchWriter>(db_, 3);
  std::vector<Outcome> outs(8);
  hold_writer(outs[0]);
  for (int i = 1; i < 8; ++i) send(1, std::to_string(i), outs[i]);
  poll(io_);
  messages_.gate.open();
  run_until(io_, [&] { return all_done(outs); });

  EXPECT_EQ(messages_.batches(), (Batches{{"first"}, {"1", "2", "3"}, {"4", "5", "6"}, {"7"}}));
  for (int i = 0; i < 8; ++i) EXPECT_EQ(outs[i].id, i + 1);
}

TEST_F(BatchWriterTest, AfterStopAMessageIsRefusedAndNothingIsWritten) {
  writer_->stop();
  Outcome out;
  send(1, "late", out);
  run_until(io_, [&] { return out.done; });
  EXPECT_EQ(out.error, "message writer stopped");
  EXPECT_EQ(queued_, 1);  // the sender's turn is given back all the same
  EXPECT_TRUE(messages_.batches().empty());
}

}  // namespace
}  // namespace chatd::chat
