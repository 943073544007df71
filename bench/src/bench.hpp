#pragma once
// The load engine shared by the scenarios: connections, pacing, counting, latency, and the
// process figures (own CPU from getrusage; the server's RSS and CPU from /proc/<pid>).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <vector>

#include "connection.hpp"
#include "histogram.hpp"
#include "options.hpp"
#include "rest.hpp"

namespace bench {

std::int64_t now_us();
double round_to(double v, int digits);
double cpu_seconds_self();  // this process, user + system

struct Counters {
  std::uint64_t sent = 0;
  std::uint64_t acked_ok = 0;
  std::uint64_t acked_error = 0;
  std::uint64_t exceptions = 0;
  std::uint64_t delivered = 0;  // at measured sockets
  std::uint64_t unique = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t unparsed = 0;
  std::uint64_t closed = 0;  // sockets closed while ready
  std::uint64_t behind = 0;  // pacer ticks where every sender was at its cap
};

// Deliveries at the measured sockets of one server (node).
struct NodeStep {
  std::uint64_t receivers = 0;  // measured sockets ready when the step started
  std::uint64_t unique = 0;
  std::uint64_t duplicates = 0;
  Histogram latency;
};

struct StepResult {
  double rate = 0;     // offered messages/s (0: windowed)
  double seconds = 0;  // sending time
  double elapsed = 0;  // first send to last delivery or ack
  Counters c;
  std::uint64_t expected = 0;
  std::uint64_t lost = 0;
  Histogram latency;         // send to delivery, at measured sockets
  Histogram ack_latency;     // send to ack
  double generator_cpu = 0;  // percent of one core
  double server_cpu = 0;
  // Time runnable but waiting for a CPU (all threads, percent of the step's wall time): other
  // load on the machine. Large values make the step's figures unreliable.
  double generator_wait = 0;
  double server_wait = 0;
};

// Sums of /proc/<pid>/task/*/schedstat: nanoseconds on a CPU and waiting in the run queue.
struct SchedStat {
  double run_ns = 0;
  double wait_ns = 0;
};
SchedStat sched_stat(int pid);  // pid 0: this process

class Bench : public ConnectionListener {
 public:
  explicit Bench(Options options);
  // Runs the scenario; prints its JSON line. Returns the process exit code.
  int run();

  // ---- for the scenarios ----
  Options opt;
  boost::asio::io_context io{1};
  std::vector<Target> targets;  // one per server, never resized (connections keep a reference)
  std::vector<User> users;
  std::vector<std::unique_ptr<Connection>> conns;
  std::size_t ready = 0, failed = 0, closed = 0;  // closed: after being ready
  std::string first_failure, first_close, first_error;
  // run_step's messages go to this group (group_message) when it is set (fanout --event group).
  std::int64_t group_id = 0;

  boost::asio::awaitable<void> ensure_users(std::size_t count);
  // A connection to server `node` (an index into opt.servers and targets); its events go to
  // `listener` (a scenario with its own bookkeeping) or to this Bench.
  Connection& add_connection(const User& user, std::size_t node = 0,
                             ConnectionListener* listener = nullptr);
  // Connects every connection not yet started, at most connect_concurrency at a time. Returns the
  // seconds until the last one was ready (or failed, or the timeout).
  boost::asio::awaitable<double> connect_all();
  boost::asio::awaitable<void> sleep(double seconds);
  // Sends from `senders` at `rate` messages/s in total (0: each keeps opt.window in flight) for
  // `seconds`, then waits for acks and deliveries (at most opt.drain seconds). Every message
  // acked as stored is expected at `fanout` measured sockets.
  boost::asio::awaitable<StepResult> run_step(double rate, double seconds,
                                              std::vector<Connection*> senders,
                                              std::uint64_t fanout, bool public_event);

  std::size_t server_rss() const;  // bytes, summed over the server pids; 0 when unknown
  static std::size_t process_rss(int pid);
  static std::size_t process_peak_rss(int pid);  // VmHWM: the largest RSS since it started
  double server_cpu_seconds() const;             // summed over the server pids
  double server_wait_ns() const;                 // run-queue wait, summed over the server pids
  std::size_t own_rss() const;

  static boost::json::object step_json(const StepResult& r, std::size_t receivers);
  // Per-server deliveries of the last step.
  const std::vector<NodeStep>& step_nodes() const { return nodes_; }
  static boost::json::array nodes_json(const StepResult& r, const std::vector<NodeStep>& nodes);
  void print(boost::json::object result);

  // ---- ConnectionListener ----
  void on_ready(Connection& c) override;
  void on_failed(Connection& c, std::string_view why) override;
  void on_closed(Connection& c, std::string_view why) override;
  void on_event(Connection& c, std::string_view args) override;
  void on_ack(Connection& c, std::uint64_t id, std::string_view args) override;

 private:
  void pump_connects();
  [[gnu::noinline]] void reset_nodes();  // per-server counters for a new step
  bool take_token(Load& l, std::int64_t now);
  void send_one(Connection& c);
  void top_up(Connection& c);

  std::size_t started_ = 0, connecting_ = 0;
  // state of the running step
  Counters step_;
  Histogram latency_, ack_latency_;
  std::vector<NodeStep> nodes_;
  bool sending_ = false, windowed_ = false, public_ = true;
  std::uint32_t cap_ = 0;  // in flight per socket
  std::int64_t last_activity_us_ = 0;
  std::uint64_t inflight_ = 0;
  char scratch_[8192];
};

}  // namespace bench
