#pragma once
// Ends database calls that outlive their deadline. A frozen server (SIGSTOP, a stalled VM) or a
// partitioned one never answers: its statement_timeout cannot fire, and its kernel keeps acking
// TCP keepalives and data. libpq would then wait in recv() for as long as the connection lives.
// A call arms an Entry with its deadline and its connection's socket; when the deadline passes,
// this thread shuts the socket down, and libpq, woken in the caller's thread, fails the call
// with a broken connection.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace chatd::storage::postgres {

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  // One call's deadline. Used by one thread at a time (the caller's); the watchdog thread reads
  // it under the watchdog's lock.
  class Entry {
   public:
    Entry(Watchdog& dog, Clock::time_point deadline);
    ~Entry();
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;

    // The socket to shut down when the deadline passes; -1 while there is none. Must be set to
    // -1 before that socket is closed, so that a descriptor number reused by then is never hit.
    // Setting a socket after the deadline shuts it down at once.
    void watch(int fd);
    // True once the deadline has passed.
    bool expired() const;
    Clock::time_point deadline() const { return deadline_; }

   private:
    friend class Watchdog;
    Watchdog& dog_;
    Clock::time_point deadline_;
    int fd_ = -1;
    bool expired_ = false;
  };

  Watchdog();
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  void run();
  // Under mutex_: marks the entry expired and shuts its socket down.
  static void expire(Entry& e);

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Entry*> entries_;
  Clock::time_point wake_at_ = Clock::time_point::max();  // when the thread wakes next
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace chatd::storage::postgres
