#pragma once
// One timer per io_context for every session's heartbeat, instead of a timer and a pending wait
// per session (about 170 bytes per idle connection). Entries live in a min-heap by due
// time; a session re-arming only adds an entry, and the entry it replaced is recognised as stale
// (its due time is no longer the session's) when it comes up. Runs on its io_context's thread
// only, like the sessions it serves.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "realtime/engineio/timer.hpp"

namespace chatd::engineio {

class Session;

class Heartbeats : public boost::asio::execution_context::service {
 public:
  using key_type = Heartbeats;
  using Clock = std::chrono::steady_clock;
  static inline boost::asio::execution_context::id id;
  explicit Heartbeats(boost::asio::execution_context& context);

  // Session::heartbeat_due(due) runs at due (or a little after), unless the session is gone.
  void schedule(std::weak_ptr<Session> session, Clock::time_point due);

 private:
  struct Entry {
    Clock::time_point due;
    std::weak_ptr<Session> session;
  };
  void shutdown() override;
  void arm(Clock::time_point due);
  void fire();

  Timer timer_;
  std::vector<Entry> heap_;
  Clock::time_point armed_at_ = Clock::time_point::max();  // max: not armed
};

}  // namespace chatd::engineio
