#pragma once
// Group commit for chat messages: concurrent senders' messages are gathered and stored in one
// transaction, and each sender resumes when its batch has committed. Nothing is announced
// before it is stored, yet the database sees few, large writes.
//
// Per message the hot path allocates one waiter (in the sender's thread, freed there too); a
// committed batch goes back to the senders' I/O threads as one posted job per thread, not one
// per message, and each stored row reuses the strings the sender's message came with.
#include <array>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error_tally.hpp"
#include "core/histogram.hpp"
#include "storage/repository.hpp"

namespace chatd::chat {

class BatchWriter {
 public:
  // A message the writer has just stored (not a repeat: see storage::Message::duplicate), with
  // the socket it came from ("" for none).
  struct Committed {
    const storage::Message& message;
    std::string_view socket;
  };
  // Runs on the writer's thread after each commit, before the senders resume, with the batch's
  // new messages in id order: what delivery starts from.
  using CommitListener = std::function<void(std::span<const Committed>)>;

  static constexpr std::size_t kMaxBatch = 1000;  // messages per transaction
  explicit BatchWriter(storage::Database& db, std::size_t max_batch = kMaxBatch,
                       CommitListener on_commit = {});
  ~BatchWriter();
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Stores one message; resumes on the caller's executor with the stored row. Throws what the
  // database threw, but for a commit whose outcome is unknown (storage::OutcomeUnknownError):
  // ChatError(kOutcomeUnknown, kOutcomeUnknown), what the client is told. on_queued runs as soon as
  // the message has its place in the write order (before any suspension), so that a caller can let
  // its next message go. `socket`: the sending socket's id, handed to the commit listener.
  boost::asio::awaitable<storage::Message> store(storage::NewMessage message,
                                                 std::function<void()> on_queued = {},
                                                 std::string socket = {}) {
    // Not a coroutine: the operation's own awaitable is returned, no frame of its own.
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>,
                                       void(std::exception_ptr, storage::Message)>(
        Initiation{this}, boost::asio::use_awaitable, std::move(message), std::move(on_queued),
        std::move(socket));
  }
  void stop();

  std::uint64_t batches() const { return batches_; }
  std::uint64_t stored() const { return stored_; }
  // Messages whose batch failed (the database refused it, was unreachable, or did not say
  // whether it committed).
  std::uint64_t failed() const { return failed_; }
  // Per stored message: from its arrival here to the commit of its transaction.
  const core::Histogram& store_latency() const { return latency_; }
  // Seconds; the commit deadline (DB_WRITE_TIMEOUT_MS) is 5 s by default.
  static constexpr std::array kLatencyBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

 private:
  // One message on its way: what to store, then the outcome, then how to resume the sender.
  struct Waiter {
    Waiter(storage::NewMessage m, std::string s)
        : message(std::move(m)), socket(std::move(s)), queued(std::chrono::steady_clock::now()) {}
    virtual ~Waiter() = default;
    // The sender's executor: completions are grouped by it.
    virtual const boost::asio::any_io_executor& executor() const = 0;
    // Runs on executor(); resumes the sender with error or stored, then deletes this.
    virtual void complete() = 0;
    storage::NewMessage message;
    std::string socket;
    std::chrono::steady_clock::time_point queued;
    std::exception_ptr error;
    storage::Message stored;
  };

  template <typename Handler>
  struct HandlerWaiter final : Waiter {
    HandlerWaiter(storage::NewMessage m, std::string s, Handler&& h)
        : Waiter(std::move(m), std::move(s)),
          handler(std::move(h)),
          ex(boost::asio::get_associated_executor(handler)) {}
    const boost::asio::any_io_executor& executor() const override { return ex; }
    void complete() override {
      auto h = std::move(handler);
      auto e = std::move(error);
      auto m = std::move(stored);
      delete this;
      std::move(h)(std::move(e), std::move(m));
    }
    Handler handler;
    boost::asio::any_io_executor ex;
  };

  struct Initiation {
    BatchWriter* self;
    template <typename Handler>
    void operator()(Handler&& handler, storage::NewMessage message, std::function<void()> on_queued,
                    std::string socket) const {
      self->enqueue(new HandlerWaiter<std::decay_t<Handler>>(std::move(message), std::move(socket),
                                                             std::forward<Handler>(handler)));
      if (on_queued) on_queued();
    }
  };

  // The waiters of one batch that share an executor, resumed there in write order.
  struct Completion {
    std::vector<Waiter*> waiters;
    explicit Completion(std::vector<Waiter*> w) : waiters(std::move(w)) {}
    Completion(Completion&&) = default;
    Completion& operator=(Completion&&) = delete;
    ~Completion();
    void operator()();
  };

  void enqueue(Waiter* w);
  void run();
  void announce(const std::vector<Waiter*>& batch);
  // Hands each waiter back to its executor: one posted job per distinct executor.
  static void resume(std::vector<Waiter*>& batch);

  storage::Database& db_;
  CommitListener on_commit_;
  std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Waiter*> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> stored_{0};
  std::atomic<std::uint64_t> failed_{0};
  core::Histogram latency_{{kLatencyBounds.begin(), kLatencyBounds.end()}};
  core::ErrorTally errors_{"storing a batch of messages failed"};
  std::thread thread_;
};

}  // namespace chatd::chat
