// The reconnect storm of issue 14 (`chatd-bench recover`).
//
// N clients connect to one server with connection state recovery on, as socket.io-client >= 4.6
// does it (Connection::track_recovery). The first S of them also send public messages, and a
// share of private ones to another user, at a steady total rate, each with a `clientMsgId`.
// After --before seconds the server is SIGKILLed; once it is gone (and --down seconds later)
// --restart-command starts it again on the same data and port. Every client reconnects with
// socket.io-client's backoff (reconnectionDelay 1 s doubling up to 5 s, randomizationFactor
// 0.5) and sends CONNECT {pid, offset, token}; recovered = the answer carries the pid it had.
// Senders go on meanwhile: like the official client's send buffer, messages made while
// disconnected are queued, and like its `retries` option, the unacked ones are sent again after
// the reconnection, with the same clientMsgId (an idempotent server stores them once).
//
// At the end the stored messages of the run (ids above the newest one before it) are read back
// through the history routes, and each client's received ids (the payloads' `id`) are compared
// with what it should have received: every public message, and the private messages of its user
// except those its own socket sent. Missed = expected and never received, live or replayed;
// duplicates = an id received twice by the same client.
#include "recover.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>

#include "bench.hpp"
#include "wire.hpp"

namespace bench {
namespace json = boost::json;
using asio::awaitable;
using asio::use_awaitable;

namespace {

constexpr std::int64_t kTickUs = 10'000;
constexpr std::int64_t kAttemptTimeoutUs = 20'000'000;  // socket.io-client's `timeout` option
constexpr std::int64_t kQuietUs = 500'000;  // the drain ends after this long without a delivery
constexpr std::int64_t kDeathTimeoutUs = 10'000'000;
constexpr std::uint64_t kMaxIdSpan = 1ULL << 26;  // ids tracked per client above the base

// A process that is gone or a zombie: either way its sockets are closed.
bool process_gone(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] == 'Z';
}

// socket.io-client's Backoff.duration(): min * 2^attempts, moved by up to rand * jitter of it
// (down when the first decimal of rand is even, else up), capped at max. In microseconds.
std::int64_t backoff_us(const Options& o, std::uint32_t attempts, std::mt19937_64& rng) {
  double ms = o.reconnection_delay * std::pow(2.0, std::min<std::uint32_t>(attempts, 30));
  if (o.randomization_factor > 0) {
    const double rand = std::uniform_real_distribution<double>(0, 1)(rng);
    const double deviation = std::floor(rand * o.randomization_factor * ms);
    ms = (static_cast<int>(std::floor(rand * 10)) & 1) == 0 ? ms - deviation : ms + deviation;
  }
  return static_cast<std::int64_t>(std::min(ms, o.reconnection_delay_max)) * 1000;
}

// The number after `key` in a JSON text (the first occurrence), or nothing.
std::optional<std::int64_t> number_after(std::string_view text, std::string_view key) {
  const auto at = text.find(key);
  if (at == std::string_view::npos) return {};
  std::int64_t v = 0;
  const char* p = text.data() + at + key.size();
  if (std::from_chars(p, text.data() + text.size(), v).ec != std::errc()) return {};
  return v;
}

// The sender tag and sequence number of a benchmark text "b<tag> <seq> …"; nothing otherwise.
std::optional<std::pair<std::uint32_t, std::uint64_t>> text_origin(std::string_view text) {
  if (!text.starts_with('b')) return {};
  const char* end = text.data() + text.size();
  std::uint32_t tag = 0;
  std::uint64_t seq = 0;
  const auto r1 = std::from_chars(text.data() + 1, end, tag);
  if (r1.ec != std::errc() || r1.ptr == end || *r1.ptr != ' ') return {};
  if (std::from_chars(r1.ptr + 1, end, seq).ec != std::errc()) return {};
  return std::pair{tag, seq};
}

// --restart-command run with /bin/sh; the last line of its standard output is the pid of the
// server it started.
struct Restart {
  bool done = false;
  int pid = 0;
  std::string error;
  std::int64_t done_us = 0;
};

awaitable<void> run_restart(std::string command, std::shared_ptr<Restart> result) {
  Restart& out = *result;
  auto ex = co_await asio::this_coro::executor;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    out.error = "pipe failed";
    out.done = true;
    co_return;
  }
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  const pid_t child = fork();
  if (child == 0) {
    dup2(fds[1], STDOUT_FILENO);
    // None of the generator's sockets may live on in the server the command starts.
    close_range(3, ~0U, 0);
    execve(argv[0], const_cast<char* const*>(argv), environ);
    _exit(127);
  }
  close(fds[1]);
  if (child < 0) {
    close(fds[0]);
    out.error = "fork failed";
    out.done = true;
    co_return;
  }
  asio::posix::stream_descriptor pipe(ex, fds[0]);
  std::string text;
  char buf[256];
  for (;;) {
    boost::system::error_code ec;
    const auto n =
        co_await pipe.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
    if (ec) break;
    text.append(buf, n);
  }
  asio::steady_timer timer(ex);
  int status = 0;
  for (int i = 0; waitpid(child, &status, WNOHANG) == 0; ++i) {
    if (i == 3000) {  // 30 s
      out.error = "--restart-command did not exit";
      out.done = true;
      co_return;
    }
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(use_awaitable);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const auto line = text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
  int pid = 0;
  const auto r = std::from_chars(line.data(), line.data() + line.size(), pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    out.error = "--restart-command failed (status " + std::to_string(status) + ")";
  else if (r.ec != std::errc() || r.ptr != line.data() + line.size() || pid <= 0)
    out.error = "--restart-command printed no pid: '" + line.substr(0, 100) + "'";
  else
    out.pid = pid;
  out.done_us = now_us();
  out.done = true;
}

json::object seconds_json(const Histogram& h) {
  auto s = [](double us) { return round_to(us / 1e6, 3); };
  return json::object{{"p50", s(h.percentile(0.50))},
                      {"p90", s(h.percentile(0.90))},
                      {"p99", s(h.percentile(0.99))},
                      {"max", s(static_cast<double>(h.max()))}};
}

class Storm : public ConnectionListener {
 public:
  explicit Storm(Bench& b) : b_(b), o_(b.opt) {}
  // The connections name this object as their listener: they are closed, and their callbacks
  // ignored, before it goes away (also when the scenario ends with an exception).
  ~Storm() override {
    for (auto& cl : clients_) {
      cl.excluded = true;
      cl.conn->close("scenario over");
    }
  }
  Storm(const Storm&) = delete;
  Storm& operator=(const Storm&) = delete;

  awaitable<json::object> run();

  void on_ready(Connection& c) override;
  void on_failed(Connection& c, std::string_view why) override;
  void on_closed(Connection& c, std::string_view why) override;
  void on_event(Connection& c, std::string_view args) override;
  void on_ack(Connection& c, std::uint64_t id, std::string_view args) override;

 private:
  enum class Phase { connecting, before, killed, restarting, after, draining };

  struct Outgoing {
    std::uint64_t seq = 0;
    std::int64_t ts = 0;
    std::uint64_t ack = 0;  // its ack id on the connection it was sent on
    bool is_private = false;
    bool sent = false;    // on the current connection
    bool resent = false;  // was sent on an earlier connection
  };
  struct Sender {
    std::size_t client = 0;
    std::int64_t peer_id = 0;  // recipient of its private messages
    std::uint64_t seq = 0, next_ack = 0;
    std::vector<Outgoing> outbox;  // made and not yet acked, in order
  };
  struct Acked {
    std::int64_t id = 0;
    std::uint32_t tag = 0;
    std::uint64_t seq = 0;
    bool is_private = false;
  };
  struct Client {
    Connection* conn = nullptr;
    std::size_t user = 0;  // index into users
    int sender = -1;       // index into senders_
    bool judged = false;   // connected in the first phase: its deliveries are compared
    bool excluded = false;
    bool down = false;  // closed, to be connected again
    bool attempting = false;
    bool recovered = true;  // every reconnection so far was recovered
    bool sid_changed = false;
    std::uint32_t backoff = 0;  // attempts since the last close
    std::uint32_t reconnects = 0;
    std::int64_t next_attempt_us = 0, deadline_us = 0, back_us = 0;
    std::int64_t last_id = 0;
    std::uint64_t duplicates = 0, out_of_order = 0;
    std::vector<std::uint64_t> got;  // bit k: message id base_ + 1 + k received
    std::string sid;
  };
  struct Stored {
    std::int64_t id = 0;
    std::int64_t sender_id = 0;
    std::int64_t recipient_id = 0;  // 0: public
    std::int64_t tag = -1;          // the sending client, read from the text (-1: not ours)
    std::uint64_t seq = 0;
  };

  void tick(std::int64_t now);
  void make_messages(std::int64_t now);
  void send(Sender& s, Outgoing& m);
  void subscribe_presence(const Client& cl);
  void measure_recovery(std::int64_t now);
  awaitable<std::vector<Stored>> stored_messages(json::object& out);
  json::object judge(const std::vector<Stored>& stored);
  bool got(const Client& cl, std::int64_t id) const;

  Bench& b_;
  const Options& o_;
  std::mt19937_64 rng_;
  std::vector<Client> clients_;
  std::vector<Sender> senders_;
  std::vector<std::pair<std::size_t, std::size_t>> pairs_;  // user indexes of private pairs
  Phase phase_ = Phase::connecting;
  std::int64_t base_ = 0;  // newest stored id before the run

  // timeline (µs, monotonic)
  std::int64_t send_t0_ = 0, kill_us_ = 0, dead_us_ = 0, restart_us_ = 0, back_us_ = 0;
  std::int64_t after_end_ = 0, last_delivery_us_ = 0;
  int killed_pid_ = 0;
  std::shared_ptr<Restart> restart_ = std::make_shared<Restart>();  // shared with run_restart
  bool timed_out_ = false;

  // counts
  std::uint64_t made_ = 0, made_private_ = 0, sent_packets_ = 0, resent_ = 0, made_offline_ = 0;
  std::uint64_t acked_ = 0, ack_errors_ = 0, exceptions_ = 0, unparsed_ = 0;
  std::uint64_t deliveries_ = 0, before_base_ = 0, presence_ = 0, presence_storm_ = 0;
  std::uint64_t down_ = 0, ready_at_kill_ = 0, closed_after_kill_ = 0, closed_before_kill_ = 0;
  std::uint64_t attempts_ = 0, failed_attempts_ = 0, reconnected_ = 0, recovered_ = 0;
  std::int64_t first_back_us_ = 0, last_recovered_us_ = 0;
  std::string first_attempt_failure_;
  Histogram back_after_restart_;  // per reconnection: restart to CONNECT answer
  std::vector<Acked> acks_;
  char scratch_[8192];

  // the recovery phase: restart until every client is back
  double server_cpu_s_ = 0, generator_cpu0_ = 0, generator_cpu_pct_ = 0;
  std::size_t server_peak_rss_ = 0, server_hwm_ = 0;
  double startup_cpu_s_ = -1;  // the restarted server's CPU time at the first reconnection
  std::uint64_t presence_at_back_ = 0;
};

// ---- connections ----

void Storm::on_ready(Connection& c) {
  auto& cl = clients_[c.index()];
  if (cl.excluded) return;
  if (phase_ == Phase::connecting) {
    cl.judged = true;
    cl.sid = c.sid();
    subscribe_presence(cl);
    b_.on_ready(c);
    return;
  }
  if (!cl.down) return;
  const auto now = now_us();
  cl.down = false;
  cl.attempting = false;
  --down_;
  ++cl.reconnects;
  ++reconnected_;
  cl.back_us = now;
  if (first_back_us_ == 0) first_back_us_ = now;
  if (restart_us_ > 0) back_after_restart_.record(now - restart_us_);
  if (c.recovered()) {
    ++recovered_;
    last_recovered_us_ = now;
    if (c.sid() != cl.sid) cl.sid_changed = true;
  } else {
    cl.recovered = false;
  }
  cl.sid = c.sid();
  subscribe_presence(cl);  // subscriptions end with the connection, recovered or not
  if (cl.sender >= 0)
    for (auto& m : senders_[static_cast<std::size_t>(cl.sender)].outbox)
      send(senders_[static_cast<std::size_t>(cl.sender)], m);
}

void Storm::on_failed(Connection& c, std::string_view why) {
  auto& cl = clients_[c.index()];
  if (cl.excluded) return;
  if (phase_ == Phase::connecting) return b_.on_failed(c, why);
  cl.attempting = false;
  ++failed_attempts_;
  if (first_attempt_failure_.empty()) first_attempt_failure_ = std::string(why);
  cl.next_attempt_us = now_us() + backoff_us(o_, cl.backoff++, rng_);
}

void Storm::on_closed(Connection& c, std::string_view why) {
  auto& cl = clients_[c.index()];
  if (cl.excluded) return;
  if (phase_ < Phase::killed) {
    ++closed_before_kill_;
    if (b_.first_close.empty()) b_.first_close = std::string(why);
  } else {
    ++closed_after_kill_;
  }
  cl.down = true;
  cl.attempting = false;
  ++down_;
  cl.backoff = 0;
  cl.next_attempt_us = now_us() + backoff_us(o_, cl.backoff++, rng_);
  if (cl.sender >= 0)
    for (auto& m : senders_[static_cast<std::size_t>(cl.sender)].outbox)
      if (m.sent) {
        m.sent = false;
        m.resent = true;
      }
}

void Storm::on_event(Connection& c, std::string_view args) {
  static constexpr std::string_view kPublic = "[\"public_message\",";
  static constexpr std::string_view kPrivate = "[\"private_message\",";
  static constexpr std::string_view kPresence = "[\"presence\",";
  static constexpr std::string_view kException = "[\"exception\"";
  auto& cl = clients_[c.index()];
  if (args.starts_with(kPublic) || args.starts_with(kPrivate)) {
    last_delivery_us_ = now_us();
    ++deliveries_;
    const auto id = number_after(args, "\"id\":");
    if (!id) return void(++unparsed_);
    if (*id <= base_ || static_cast<std::uint64_t>(*id - base_) > kMaxIdSpan)
      return void(++before_base_);
    const auto k = static_cast<std::uint64_t>(*id - base_ - 1);
    const auto word = static_cast<std::size_t>(k >> 6);
    if (word >= cl.got.size()) cl.got.resize(std::max(word + 1, cl.got.size() * 2), 0);
    const std::uint64_t bit = 1ULL << (k & 63);
    if (cl.got[word] & bit) return void(++cl.duplicates);
    cl.got[word] |= bit;
    if (*id < cl.last_id)
      ++cl.out_of_order;
    else
      cl.last_id = *id;
  } else if (args.starts_with(kPresence)) {
    ++presence_;
    if (phase_ == Phase::restarting) ++presence_storm_;
  } else if (args.starts_with(kException)) {
    ++exceptions_;
    if (b_.first_error.empty()) b_.first_error = std::string(args.substr(0, 200));
  }
}

void Storm::on_ack(Connection& c, std::uint64_t id, std::string_view args) {
  const auto& cl = clients_[c.index()];
  if (cl.sender < 0) return;
  auto& s = senders_[static_cast<std::size_t>(cl.sender)];
  const auto it = std::find_if(s.outbox.begin(), s.outbox.end(),
                               [id](const Outgoing& m) { return m.sent && m.ack == id; });
  if (it == s.outbox.end()) return;
  if (args.find("\"status\":\"error\"") != std::string_view::npos) {
    ++ack_errors_;
    if (b_.first_error.empty()) b_.first_error = std::string(args.substr(0, 200));
  } else if (const auto stored = number_after(args, "\"id\":")) {
    ++acked_;
    acks_.push_back(Acked{*stored, static_cast<std::uint32_t>(s.client), it->seq, it->is_private});
  } else {
    ++unparsed_;
  }
  s.outbox.erase(it);
}

// ---- traffic ----

// "42/chat,<ack>[\"public_message\",{\"message\":\"b…\",\"clientMsgId\":\"b<tag>-<seq>\"}]", or
// the private form with recipientId.
void Storm::send(Sender& s, Outgoing& m) {
  m.ack = s.next_ack++;
  m.sent = true;
  ++sent_packets_;
  if (m.resent) ++resent_;
  const auto tag = static_cast<std::uint32_t>(s.client);
  char* p = scratch_;
  p = put(p, "42/chat,");
  p = put_number(p, m.ack);
  if (m.is_private) {
    p = put(p, "[\"private_message\",{\"recipientId\":");
    p = put_number(p, s.peer_id);
    p = put(p, ",\"message\":\"");
  } else {
    p = put(p, "[\"public_message\",{\"message\":\"");
  }
  p = put_text(p, tag, m.seq, m.ts, o_.size);
  p = put(p, "\",\"clientMsgId\":\"b");
  p = put_number(p, tag);
  *p++ = '-';
  p = put_number(p, m.seq);
  p = put(p, "\"}]");
  clients_[s.client].conn->send_text(
      std::string_view(scratch_, static_cast<std::size_t>(p - scratch_)));
}

// "42/chat[\"presence_subscribe\",{\"userIds\":[…]}]" for the users after the client's own in
// the pool, without an ack (a refusal would come back as an `exception`, counted).
void Storm::subscribe_presence(const Client& cl) {
  const auto k = std::min(o_.presence_subscribe, b_.users.size() - 1);
  if (k == 0) return;
  std::string packet = "42/chat,[\"presence_subscribe\",{\"userIds\":[";
  for (std::size_t i = 1; i <= k; ++i) {
    if (i > 1) packet += ',';
    packet += std::to_string(b_.users[(cl.user + i) % b_.users.size()].id);
  }
  packet += "]}]";
  cl.conn->send_text(packet);
}

// Message k (of all senders, round robin) is due at send_t0_ + k/rate; it is sent at once when
// its sender is connected, else queued until it is.
void Storm::make_messages(std::int64_t now) {
  if (senders_.empty()) return;
  const double rate = o_.rates.front();
  const auto due = static_cast<std::uint64_t>(rate * static_cast<double>(now - send_t0_) / 1e6);
  while (made_ < due) {
    auto& s = senders_[made_ % senders_.size()];
    const double share = o_.private_share;
    const bool is_private = std::floor(static_cast<double>(made_ + 1) * share) >
                            std::floor(static_cast<double>(made_) * share);
    ++made_;
    made_private_ += is_private;
    s.outbox.push_back(Outgoing{s.seq++, now, 0, is_private, false, false});
    if (clients_[s.client].conn->ready())
      send(s, s.outbox.back());
    else
      ++made_offline_;
  }
}

void Storm::tick(std::int64_t now) {
  if (phase_ != Phase::draining) make_messages(now);
  if (down_ == 0) return;
  for (auto& cl : clients_) {
    if (!cl.down || cl.excluded) continue;
    if (cl.attempting) {
      if (now > cl.deadline_us) cl.conn->close("reconnect timeout");
      continue;
    }
    if (now < cl.next_attempt_us) continue;
    cl.attempting = true;
    cl.deadline_us = now + kAttemptTimeoutUs;
    ++attempts_;
    cl.conn->start();
  }
}

// Figures of the recovery phase (restart until every client is back): the restarted server is
// a new process, so its whole CPU time is the phase's, start-up included (the CPU time at the
// first reconnection is given too). Its peak RSS is sampled every tick from the first
// reconnection on, not read from VmHWM: that one also holds start-up peaks (chatd computes a
// 64 MiB Argon2 hash when it starts) which say nothing about the storm.
void Storm::measure_recovery(std::int64_t now) {
  back_us_ = now;
  presence_at_back_ = presence_storm_;
  if (restart_->pid > 0) {
    server_cpu_s_ = b_.server_cpu_seconds();
    server_hwm_ = Bench::process_peak_rss(restart_->pid);
  }
  const double wall = static_cast<double>(now - restart_us_) / 1e6;
  if (wall > 0) generator_cpu_pct_ = (cpu_seconds_self() - generator_cpu0_) / wall * 100;
}

// ---- the stored side ----

awaitable<std::vector<Storm::Stored>> Storm::stored_messages(json::object& out) {
  std::vector<Stored> stored;
  const auto& server = b_.opt.servers.front();
  const std::string host = server.host + ":" + std::to_string(server.port);
  try {
    auto history = co_await read_history(b_.targets.front().server, host, "/api/chat/public",
                                         b_.users.front().token, base_);
    for (const auto& [a, z] : pairs_) {
      const std::string path = "/api/chat/private/" + std::to_string(b_.users[a].id) + "/" +
                               std::to_string(b_.users[z].id);
      auto more =
          co_await read_history(b_.targets.front().server, host, path, b_.users[a].token, base_);
      history.insert(history.end(), more.begin(), more.end());
    }
    for (const auto& m : history) {
      Stored s{m.id, m.sender_id, m.recipient_id, -1, 0};
      if (const auto origin = text_origin(m.content)) {
        s.tag = origin->first;
        s.seq = origin->second;
      }
      stored.push_back(s);
    }
    out["stored_from"] = "history";
  } catch (const std::exception& e) {
    // The acks know every message whose ack came back, not those stored while their ack was lost.
    std::cerr << "  history not readable (" << e.what() << "): judging against the acks\n";
    out["history_error"] = e.what();
    out["stored_from"] = "acks";
    stored.clear();
    for (const auto& a : acks_) {
      const auto& cl = clients_[a.tag];
      const auto& s = senders_[static_cast<std::size_t>(cl.sender)];
      stored.push_back(Stored{a.id, b_.users[cl.user].id, a.is_private ? s.peer_id : 0,
                              static_cast<std::int64_t>(a.tag), a.seq});
    }
  }
  co_return stored;
}

bool Storm::got(const Client& cl, std::int64_t id) const {
  if (id <= base_) return false;
  const auto k = static_cast<std::uint64_t>(id - base_ - 1);
  const auto word = static_cast<std::size_t>(k >> 6);
  return word < cl.got.size() && (cl.got[word] >> (k & 63)) & 1;
}

json::object Storm::judge(const std::vector<Stored>& stored) {
  std::map<std::int64_t, std::vector<std::size_t>> clients_of;  // user id -> judged clients
  for (std::size_t i = 0; i < clients_.size(); ++i)
    if (clients_[i].judged) clients_of[b_.users[clients_[i].user].id].push_back(i);
  std::vector<std::uint64_t> expected(clients_.size(), 0), missed(clients_.size(), 0);
  std::uint64_t stored_public = 0, stored_private = 0, stored_twice = 0, foreign = 0;
  std::set<std::pair<std::int64_t, std::uint64_t>> texts;
  auto expect = [&](std::size_t i, std::int64_t id) {
    ++expected[i];
    if (!got(clients_[i], id)) ++missed[i];
  };
  for (const auto& m : stored) {
    if (m.tag < 0) ++foreign;
    if (m.tag >= 0 && !texts.emplace(m.tag, m.seq).second) ++stored_twice;
    if (m.recipient_id == 0) {
      ++stored_public;
      for (std::size_t i = 0; i < clients_.size(); ++i)
        if (clients_[i].judged) expect(i, m.id);
      continue;
    }
    ++stored_private;
    // Every device of both users but the sending socket.
    for (const auto user : {m.sender_id, m.recipient_id}) {
      const auto it = clients_of.find(user);
      if (it == clients_of.end()) continue;
      for (const auto i : it->second)
        if (static_cast<std::int64_t>(i) != m.tag) expect(i, m.id);
    }
  }
  std::uint64_t total_expected = 0, total_missed = 0, missed_recovered = 0,
                missed_not_recovered = 0, clients_missing = 0, received = 0, duplicates = 0,
                out_of_order = 0, sid_changed = 0;
  for (std::size_t i = 0; i < clients_.size(); ++i) {
    const auto& cl = clients_[i];
    if (!cl.judged) continue;
    total_expected += expected[i];
    total_missed += missed[i];
    clients_missing += missed[i] > 0;
    (cl.reconnects > 0 && cl.recovered ? missed_recovered : missed_not_recovered) += missed[i];
    for (const auto w : cl.got) received += static_cast<std::uint64_t>(std::popcount(w));
    duplicates += cl.duplicates;
    out_of_order += cl.out_of_order;
    sid_changed += cl.sid_changed;
  }
  const auto matched = total_expected - total_missed;
  return json::object{{"stored_public", stored_public},
                      {"stored_private", stored_private},
                      {"stored_twice", stored_twice},
                      {"stored_by_others", foreign},
                      {"expected", total_expected},
                      {"missed", total_missed},
                      {"missed_at_recovered", missed_recovered},
                      {"missed_at_not_recovered", missed_not_recovered},
                      {"clients_missing", clients_missing},
                      {"duplicates", duplicates},
                      {"unexpected", received - matched + before_base_},
                      {"out_of_order", out_of_order},
                      {"recovered_with_new_sid", sid_changed}};
}

// ---- the run ----

awaitable<json::object> Storm::run() {
  const auto n = o_.connections;
  const auto s = std::min(o_.senders, n);
  const auto pool =
      o_.users ? std::max<std::size_t>(o_.users, 2) : std::clamp<std::size_t>(n, 2, 100);
  co_await b_.ensure_users(pool);
  const std::uint64_t seed = o_.seed ? o_.seed : std::random_device{}();
  rng_.seed(seed);
  clients_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& c = b_.add_connection(b_.users[i % pool], 0, this);
    c.track_recovery(true);
    clients_[i].conn = &c;
    clients_[i].user = i % pool;
  }
  std::set<std::pair<std::size_t, std::size_t>> pairs;
  for (std::size_t j = 0; j < s; ++j) {
    const auto peer = (j + 1) % pool;
    senders_.push_back(Sender{j, b_.users[peer].id, 0, 0, {}});
    clients_[j].sender = static_cast<int>(j);
    if (o_.private_share > 0) pairs.emplace(std::min(j % pool, peer), std::max(j % pool, peer));
  }
  pairs_.assign(pairs.begin(), pairs.end());

  std::cerr << "connecting " << n << " clients with recovery...\n";
  const double connect_seconds = co_await b_.connect_all();
  for (auto& cl : clients_)
    if (!cl.conn->ready()) {
      cl.excluded = true;
      cl.conn->close("not connected in time");
    }
  std::cerr << "  " << b_.ready << " ready, " << b_.failed << " failed in " << connect_seconds
            << " s\n";
  if (b_.ready == 0) throw std::runtime_error("no client connected: " + b_.first_failure);
  std::size_t with_pid = 0;
  for (const auto& cl : clients_) with_pid += !cl.excluded && !cl.conn->pid().empty();

  // The base: every message of this run has a larger id (the server assigns increasing ids).
  const auto& server = b_.opt.servers.front();
  const std::string host = server.host + ":" + std::to_string(server.port);
  base_ = co_await newest_id(b_.targets.front().server, host, "/api/chat/public",
                             b_.users.front().token);
  for (const auto& [a, z] : pairs_) {
    const std::string path = "/api/chat/private/" + std::to_string(b_.users[a].id) + "/" +
                             std::to_string(b_.users[z].id);
    const auto newest =
        co_await newest_id(b_.targets.front().server, host, path, b_.users[a].token);
    base_ = std::max(base_, newest);
  }

  killed_pid_ = o_.server_pids.front();
  std::cerr << "sending " << o_.rates.front() << " messages/s from " << s << " senders; SIGKILL to "
            << killed_pid_ << " in " << o_.before << " s\n";
  phase_ = Phase::before;
  send_t0_ = now_us();
  asio::steady_timer timer(b_.io);
  auto next_tick = send_t0_;
  for (;;) {
    const auto now = now_us();
    tick(now);
    if (phase_ == Phase::before && now >= send_t0_ + static_cast<std::int64_t>(o_.before * 1e6)) {
      for (const auto& cl : clients_) ready_at_kill_ += !cl.excluded && cl.conn->ready();
      if (::kill(killed_pid_, SIGKILL) != 0)
        throw std::runtime_error("kill " + std::to_string(killed_pid_) + " failed");
      kill_us_ = now;
      phase_ = Phase::killed;
    } else if (phase_ == Phase::killed) {
      if (dead_us_ == 0 && process_gone(killed_pid_)) dead_us_ = now;
      if (dead_us_ == 0 && now - kill_us_ > kDeathTimeoutUs)
        throw std::runtime_error("the server did not die after SIGKILL");
      if (dead_us_ > 0 && now >= dead_us_ + static_cast<std::int64_t>(o_.down * 1e6)) {
        std::cerr << "  server gone after " << (dead_us_ - kill_us_) / 1000 << " ms; restarting\n";
        restart_us_ = now;
        generator_cpu0_ = cpu_seconds_self();
        phase_ = Phase::restarting;
        asio::co_spawn(b_.io, run_restart(o_.restart_command, restart_), asio::detached);
      }
    } else if (phase_ == Phase::restarting) {
      if (restart_->done && restart_->pid > 0 && b_.opt.server_pids.front() == killed_pid_)
        b_.opt.server_pids.front() = restart_->pid;
      if (restart_->pid > 0 && first_back_us_ > 0) {
        if (startup_cpu_s_ < 0) startup_cpu_s_ = b_.server_cpu_seconds();
        server_peak_rss_ = std::max(server_peak_rss_, Bench::process_rss(restart_->pid));
      }
      const bool all_back = closed_after_kill_ >= ready_at_kill_ && down_ == 0;
      if (restart_->done && all_back) {
        measure_recovery(now);
        std::cerr << "  all " << ready_at_kill_ << " clients back "
                  << static_cast<double>(now - restart_us_) / 1e6 << " s after the restart, "
                  << recovered_ << " recovered\n";
        phase_ = Phase::after;
        after_end_ = now + static_cast<std::int64_t>(o_.after * 1e6);
      } else if (now - restart_us_ > static_cast<std::int64_t>(o_.recover_timeout * 1e6)) {
        timed_out_ = true;
        measure_recovery(now);
        std::cerr << "  recovery timeout: " << down_ << " clients still down"
                  << (restart_->error.empty() ? "" : "; " + restart_->error) << "\n";
        phase_ = Phase::after;
        after_end_ = now + static_cast<std::int64_t>(o_.after * 1e6);
      }
    } else if (phase_ == Phase::after && now >= after_end_) {
      break;
    }
    next_tick += kTickUs;
    timer.expires_after(std::chrono::microseconds(std::max<std::int64_t>(0, next_tick - now_us())));
    co_await timer.async_wait(use_awaitable);
  }
  const auto sending_end = now_us();

  // Drain: every message acked, every client connected, no delivery for a moment (or --drain).
  phase_ = Phase::draining;
  const auto drain_end = sending_end + static_cast<std::int64_t>(o_.drain * 1e6);
  for (;;) {
    const auto now = now_us();
    tick(now);
    bool acked = true;
    for (const auto& sd : senders_) acked = acked && sd.outbox.empty();
    if (now >= drain_end ||
        (acked && down_ == 0 && now - std::max(last_delivery_us_, sending_end) > kQuietUs))
      break;
    timer.expires_after(std::chrono::microseconds(kTickUs));
    co_await timer.async_wait(use_awaitable);
  }
  std::uint64_t unacked = 0;
  for (const auto& sd : senders_) unacked += sd.outbox.size();

  json::object out{{"connections", n},
                   {"ready", b_.ready},
                   {"failed", b_.failed},
                   {"connect_seconds", round_to(connect_seconds, 3)},
                   {"connected_with_pid", with_pid},
                   {"senders", s},
                   {"rate", o_.rates.front()},
                   {"private_share", o_.private_share},
                   {"users", pool},
                   {"presence_subscriptions_per_client", o_.presence_subscribe},
                   {"seed", seed},
                   {"base_id", base_}};
  out["killed_pid"] = killed_pid_;
  out["server_gone_ms"] = round_to(static_cast<double>(dead_us_ - kill_us_) / 1000, 1);
  out["down_s"] = o_.down;
  if (restart_->pid > 0) out["restarted_pid"] = restart_->pid;
  if (!restart_->error.empty()) out["restart_error"] = restart_->error;
  if (restart_->done_us > 0)
    out["restart_command_s"] =
        round_to(static_cast<double>(restart_->done_us - restart_us_) / 1e6, 3);
  auto since_restart = [&](std::int64_t us) -> json::value {
    if (us == 0) return nullptr;
    return round_to(static_cast<double>(us - restart_us_) / 1e6, 3);
  };
  const bool all_back = !timed_out_ && back_us_ > 0;
  std::uint64_t not_back = 0, clients_recovered = 0;
  for (const auto& cl : clients_) {
    if (!cl.judged) continue;
    not_back += cl.down;
    clients_recovered += cl.reconnects > 0 && cl.recovered;
  }
  out["to_reconnect"] = ready_at_kill_;
  out["reconnected"] = ready_at_kill_ - std::min<std::uint64_t>(ready_at_kill_, not_back);
  out["not_reconnected"] = not_back;
  out["first_reconnect_s"] = since_restart(first_back_us_);
  out["all_reconnected_s"] = all_back ? since_restart(back_us_) : json::value(nullptr);
  out["reconnect_s"] = seconds_json(back_after_restart_);
  out["reconnect_attempts"] = attempts_;
  out["failed_attempts"] = failed_attempts_;
  if (!first_attempt_failure_.empty()) out["first_attempt_failure"] = first_attempt_failure_;
  out["reconnections"] = reconnected_;
  out["recovered"] = clients_recovered;
  out["not_recovered"] = ready_at_kill_ - clients_recovered;
  out["recovered_pct"] = round_to(ready_at_kill_ ? 100.0 * static_cast<double>(clients_recovered) /
                                                       static_cast<double>(ready_at_kill_)
                                                 : 0,
                                  2);
  out["all_recovered_s"] = all_back && clients_recovered == ready_at_kill_
                               ? since_restart(last_recovered_us_)
                               : json::value(nullptr);
  out["closed_before_kill"] = closed_before_kill_;
  out["made"] = made_;
  out["made_private"] = made_private_;
  out["made_while_disconnected"] = made_offline_;
  out["sent_packets"] = sent_packets_;
  out["resent"] = resent_;
  out["acked"] = acked_;
  out["ack_errors"] = ack_errors_;
  out["unacked"] = unacked;
  out["exceptions"] = exceptions_;
  out["deliveries"] = deliveries_;
  out["unparsed"] = unparsed_;
  out["presence_deliveries"] = presence_;
  out["presence_deliveries_recovery"] = presence_at_back_;
  const auto stored = co_await stored_messages(out);
  for (auto& [k, v] : judge(stored)) out[k] = v;
  out["recovery_server_cpu_s"] = round_to(server_cpu_s_, 3);
  if (startup_cpu_s_ >= 0) out["server_cpu_s_at_first_reconnect"] = round_to(startup_cpu_s_, 3);
  out["recovery_server_peak_rss"] = server_peak_rss_;
  out["recovery_server_peak_rss_mib"] =
      round_to(static_cast<double>(server_peak_rss_) / (1024.0 * 1024.0), 1);
  out["server_vmhwm"] = server_hwm_;
  out["recovery_generator_cpu_pct"] = round_to(generator_cpu_pct_, 1);
  out["server_cpu_s_end"] = round_to(b_.server_cpu_seconds(), 3);
  out["server_rss_end"] = b_.server_rss();
  std::cerr << "  missed " << out["missed"].as_uint64() << " of " << out["expected"].as_uint64()
            << " deliveries, duplicates " << out["duplicates"].as_uint64() << ", recovered "
            << clients_recovered << "/" << ready_at_kill_ << "\n";
  co_return out;
}

}  // namespace

awaitable<json::object> recover_scenario(Bench& b) {
  auto storm = std::make_unique<Storm>(b);
  co_return co_await storm->run();
}

}  // namespace bench
