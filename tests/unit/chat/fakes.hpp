#pragma once
// In-memory stand-ins for the storage the chat logic uses, with gates that hold a call until the
// test lets it go, so that tests can line up what happens while a write or a look-up waits.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "chat/error.hpp"
#include "storage/query_parts.hpp"
#include "storage/repository.hpp"

namespace chatd::chat::testing {

// Holds callers in wait() while closed.
class Gate {
 public:
  void close() {
    std::lock_guard lock(mutex_);
    open_ = false;
  }
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = true;
};

// Opens the gate when a test leaves early (a failed assertion), so that the writer's thread,
// joined by its destructor, is not left waiting. Declare it after the writer.
struct OpenOnExit {
  Gate& gate;
  ~OpenOnExit() { gate.open(); }
};

class FakeMessages : public storage::MessageRepository {
 public:
  // insert_batch waits here before it writes anything.
  Gate gate;

  // Makes insert_batch call number `call` (1-based) throw `error` (default: "disk full").
  void fail_call(int call, std::exception_ptr error = {}) {
    std::lock_guard lock(mutex_);
    fail_call_ = call;
    fail_with_ = error ? error : std::make_exception_ptr(std::runtime_error("disk full"));
  }
  // Blocks until insert_batch has been entered `n` times.
  void wait_for_calls(int n) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return calls_ >= n; }))
      throw std::runtime_error("insert_batch was not called in time");
  }
  // The contents of each committed batch, in commit order.
  std::vector<std::vector<std::string>> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  std::vector<std::string> stored_in_order() {
    std::vector<std::string> all;
    for (auto& b : batches())
      for (auto& c : b) all.push_back(c);
    return all;
  }

  std::vector<storage::Message> insert_batch(std::vector<storage::NewMessage> messages) override {
    int call = 0;
    {
      std::lock_guard lock(mutex_);
      call = ++calls_;
    }
    cv_.notify_all();
    gate.wait();
    std::lock_guard lock(mutex_);
    if (call == fail_call_) std::rethrow_exception(fail_with_);
    std::vector<std::string> contents;
    std::vector<storage::Message> stored;
    for (auto& n : messages) {
      contents.push_back(n.content);
      const auto id = ++last_id_;
      const storage::Millis at = 1'700'000'000'000 + id;
      stored.push_back(storage::stored_message(std::move(n), id, at, at, ""));
    }
    batches_.push_back(std::move(contents));
    return stored;
  }

  std::int64_t head() override { throw std::logic_error("not used by these tests"); }
  std::vector<storage::Message> after(std::int64_t, std::int64_t, std::size_t) override {
    throw std::logic_error("not used by these tests");
  }
  std::vector<storage::Message> replay_for(std::int64_t, std::int64_t, std::int64_t,
                                           std::optional<std::int64_t>, std::size_t) override {
    throw std::logic_error("not used by these tests");
  }
  storage::Page<storage::Message> list_public(const storage::HistoryQuery&) override {
    throw std::logic_error("not used by these tests");
  }
  storage::Page<storage::Message> list_private(std::int64_t, std::int64_t,
                                               const storage::HistoryQuery&) override {
    throw std::logic_error("not used by these tests");
  }
  storage::Page<storage::Message> list_group(std::int64_t, const storage::HistoryQuery&) override {
    throw std::logic_error("not used by these tests");
  }
  std::optional<storage::Message> find(std::int64_t) override {
    throw std::logic_error("not used by these tests");
  }
  std::vector<storage::Message> find_many(const std::vector<std::int64_t>&) override {
    throw std::logic_error("not used by these tests");
  }
  std::vector<storage::Conversation> conversations(std::int64_t) override {
    throw std::logic_error("not used by these tests");
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> conversation_peers(
      const std::vector<std::int64_t>&) override {
    throw std::logic_error("not used by these tests");
  }
  void mark_read(std::int64_t, std::int64_t, std::int64_t) override {
    throw std::logic_error("not used by these tests");
  }
  std::int64_t unread_count(std::int64_t, std::int64_t) override {
    throw std::logic_error("not used by these tests");
  }
  std::optional<storage::Message> edit(std::int64_t, std::int64_t, const std::string&) override {
    throw std::logic_error("not used by these tests");
  }
  std::optional<storage::DeletedMessage> remove(std::int64_t, std::int64_t) override {
    throw std::logic_error("not used by these tests");
  }
  std::vector<storage::Message> changed_for(std::int64_t, std::int64_t, storage::Millis,
                                            std::size_t) override {
    throw std::logic_error("not used by these tests");
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int calls_ = 0;
  int fail_call_ = 0;
  std::exception_ptr fail_with_;
  std::int64_t last_id_ = 0;
  std::vector<std::vector<std::string>> batches_;
};

class FakeUsers : public storage::UserRepository {
 public:
  explicit FakeUsers(std::set<std::int64_t> ids) : ids_(std::move(ids)) {}
  // find_by_id of this one user waits here.
  Gate slow_gate;
  std::int64_t slow_user = 0;

  int look_ups() {
    std::lock_guard lock(mutex_);
    return look_ups_;
  }

  std::optional<storage::User> find_by_id(std::int64_t id) override {
    if (id == slow_user) slow_gate.wait();
    std::lock_guard lock(mutex_);
    ++look_ups_;
    if (!ids_.contains(id)) return std::nullopt;
    storage::User u;
    u.id = id;
    u.username = "user" + std::to_string(id);
    return u;
  }

  storage::User create(const storage::NewUser&) override {
    throw std::logic_error("not used by these tests");
  }
  std::optional<storage::User> find_by_email(const std::string&) override {
    throw std::logic_error("not used by these tests");
  }
  std::optional<storage::User> find_by_username(const std::string&) override {
    throw std::logic_error("not used by these tests");
  }
  storage::Page<storage::User> list(const storage::UserQuery&) override {
    throw std::logic_error("not used by these tests");
  }
  std::optional<storage::User> update_profile(std::int64_t,
                                              const storage::ProfileUpdate&) override {
    throw std::logic_error("not used by these tests");
  }
  storage::ReplacedProfileImage set_profile_image(std::int64_t, const std::string&) override {
    throw std::logic_error("not used by these tests");
  }

 private:
  std::mutex mutex_;
  std::set<std::int64_t> ids_;
  int look_ups_ = 0;
};

class FakeDatabase : public storage::Database {
 public:
  explicit FakeDatabase(std::set<std::int64_t> user_ids = {}) : users_(std::move(user_ids)) {}
  FakeUsers& fake_users() { return users_; }
  FakeMessages& fake_messages() { return messages_; }

  storage::UserRepository& users() override { return users_; }
  storage::MessageRepository& messages() override { return messages_; }
  storage::RecoveryRoomRepository& recovery_rooms() override {
    throw std::logic_error("not used by these tests");
  }
  storage::AuthRepository& auth() override { throw std::logic_error("not used by these tests"); }
  storage::GroupRepository& groups() override {
    if (!groups_) throw std::logic_error("not used by these tests");
    return *groups_;
  }
  void set_groups(storage::GroupRepository* groups) { groups_ = groups; }
  storage::ReactionRepository& reactions() override {
    throw std::logic_error("not used by these tests");
  }
  storage::SearchRepository& search() override {
    throw std::logic_error("not used by these tests");
  }
  bool ping(std::chrono::milliseconds) override { return true; }
  std::string backend_name() const override { return "fake"; }

 private:
  FakeUsers users_;
  FakeMessages messages_;
  storage::GroupRepository* groups_ = nullptr;
};

// Runs io until done() holds (the writer's and the pool's completions keep no work on io, so
// run() alone could return early); fails after 10 s.
inline void run_until(boost::asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  io.restart();
  auto work = boost::asio::make_work_guard(io);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("timed out waiting for the io_context");
    io.run_for(std::chrono::milliseconds(5));
  }
}

// Runs a coroutine on io to its end: its result, or what it threw.
template <typename T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr error;
  bool done = false;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result.emplace(std::move(value));
    done = true;
  });
  run_until(io, [&] { return done; });
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

inline void run(boost::asio::io_context& io, boost::asio::awaitable<void> task) {
  std::exception_ptr error;
  bool done = false;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) {
    error = e;
    done = true;
  });
  run_until(io, [&] { return done; });
  if (error) std::rethrow_exception(error);
}

// What a ChatError said: its kind and message.
struct Refusal {
  ErrorKind kind;
  std::string message;
  bool operator==(const Refusal&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const Refusal& r) {
    return os << "{kind " << static_cast<int>(r.kind) << ", \"" << r.message << "\"}";
  }
};

// The ChatError f throws, or nullopt when it throws none.
inline std::optional<Refusal> refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const ChatError& e) {
    return Refusal{e.kind(), e.what()};
  }
  return std::nullopt;
}

inline storage::NewMessage text_message(std::int64_t sender, std::string text) {
  storage::NewMessage m;
  m.content = std::move(text);
  m.sender_id = sender;
  return m;
}

}  // namespace chatd::chat::testing
