#pragma once
// GET /ready's view of the database, answered in time whatever the database does: the ping runs
// on a thread of its own (never queued behind the blocking pool's stuck calls), one at a time,
// and a caller whose answer has not come within `answer_within` hears "down".
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/repository.hpp"

namespace chatd::app {

class DatabaseProbe {
 public:
  DatabaseProbe(storage::Database& db, std::chrono::milliseconds answer_within);
  ~DatabaseProbe();
  DatabaseProbe(const DatabaseProbe&) = delete;
  DatabaseProbe& operator=(const DatabaseProbe&) = delete;

  // True when the database answered a ping that started after this call, within answer_within.
  boost::asio::awaitable<bool> up();

 private:
  struct Waiter;
  void run();

  storage::Database& db_;
  std::chrono::milliseconds within_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<Waiter>> waiting_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace chatd::app
