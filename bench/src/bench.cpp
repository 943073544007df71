#include "bench.hpp"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "wire.hpp"

namespace bench {
namespace json = boost::json;
using asio::use_awaitable;

namespace {

// What Chrome sends besides Host and the WebSocket protocol's own headers (a typical session
// cookie included), for --headers browser.
constexpr std::string_view kBrowserHeaders =
    "Pragma: no-cache\r\n"
    "Cache-Control: no-cache\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36\r\n"
    "Origin: https://chat.example.com\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Accept-Language: en-GB,en-US;q=0.9,en;q=0.8,de;q=0.7\r\n"
    "Cookie: _ga=GA1.1.1234567890.1732500000; theme=dark; "
    "session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlc2lnbmF0dXJl\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";

constexpr std::size_t kAckRing = 4096;

// A "<key> <n> kB" line of /proc/<pid>/status (pid 0: this process), in bytes; 0 when absent.
std::size_t status_bytes(int pid, std::string_view key) {
  std::ifstream in(pid ? "/proc/" + std::to_string(pid) + "/status" : "/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(key)) return std::stoull(line.substr(key.size())) * 1024;
  return 0;
}

// JSON text with plain decimal numbers (Boost.JSON writes doubles as 1.5E3).
void write_json(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, x] : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        out.append(json::serialize(json::string_view(k)));
        out.push_back(':');
        write_json(out, x);
      }
      out.push_back('}');
      return;
    }
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& x : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        write_json(out, x);
      }
      out.push_back(']');
      return;
    }
    case json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) {
        out.append("null");
        return;
      }
      char buf[64];
      const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
      out.append(buf, r.ptr);
      return;
    }
    default:
      out.append(json::serialize(v));
  }
}

}  // namespace

double cpu_seconds_self() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double round_to(double v, int digits) {
  const double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

std::int64_t now_us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

SchedStat sched_stat(int pid) {
  SchedStat total;
  const std::string dir = pid ? "/proc/" + std::to_string(pid) + "/task" : "/proc/self/task";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::ifstream in(entry.path() / "schedstat");
    double run = 0, wait = 0;
    if (in >> run >> wait) {
      total.run_ns += run;
      total.wait_ns += wait;
    }
  }
  return total;
}

Bench::Bench(Options options) : opt(std::move(options)) {
  targets.reserve(opt.servers.size());
  for (const auto& s : opt.servers) {
    Target& target = targets.emplace_back();
    const auto address = asio::ip::make_address(s.host);
    target.server = tcp::endpoint(address, s.port);
    if (address.is_v4() && address.to_v4().is_loopback())
      for (std::size_t i = 1; i <= opt.source_ips; ++i)
        target.sources.push_back(asio::ip::address_v4((127u << 24) | static_cast<unsigned>(i)));
    target.upgrade_request =
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: " + s.host + ":" +
        std::to_string(s.port) +
        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n" +
        (opt.headers == "browser" ? std::string(kBrowserHeaders) : std::string()) + "\r\n";
  }
  nodes_.assign(targets.size(), NodeStep{});
}

// ---- users and connections ----

asio::awaitable<void> Bench::ensure_users(std::size_t count) {
  if (!opt.tokens_file.empty()) {
    auto known = read_tokens(opt.tokens_file);
    if (known.size() >= count) {
      known.resize(count);
      users = std::move(known);
      co_return;
    }
  }
  std::cerr << "registering " << count << " users...\n";
  const auto t0 = now_us();
  RegisterRequest req;
  req.server = targets.front().server;
  req.host = opt.servers.front().host + ":" + std::to_string(opt.servers.front().port);
  req.prefix = opt.user_prefix;
  req.count = count;
  req.concurrency = opt.register_concurrency;
  users = co_await register_users(std::move(req));
  std::cerr << "registered " << count << " users in " << (now_us() - t0) / 1e6 << " s\n";
  if (!opt.tokens_file.empty()) write_tokens(opt.tokens_file, users);
}

Connection& Bench::add_connection(const User& user, std::size_t node,
                                  ConnectionListener* listener) {
  conns.push_back(std::make_unique<Connection>(io, listener ? *listener : *this, targets.at(node),
                                               conns.size(), user.token));
  conns.back()->load.user_id = user.id;
  conns.back()->load.node = static_cast<std::uint32_t>(node);
  return *conns.back();
}

void Bench::pump_connects() {
  while (connecting_ < opt.connect_concurrency && started_ < conns.size()) {
    ++connecting_;
    conns[started_++]->start();
  }
}

asio::awaitable<double> Bench::connect_all() {
  const auto t0 = now_us();
  const auto deadline = t0 + static_cast<std::int64_t>(opt.connect_timeout * 1e6);
  auto last_report = t0;
  pump_connects();
  asio::steady_timer timer(io);
  while (ready + failed < conns.size() && now_us() < deadline) {
    timer.expires_after(std::chrono::milliseconds(5));
    co_await timer.async_wait(use_awaitable);
    if (now_us() - last_report > 2'000'000) {
      last_report = now_us();
      std::cerr << "  connected " << ready << "/" << conns.size() << " (" << failed << " failed)\n";
    }
  }
  const double seconds = static_cast<double>(now_us() - t0) / 1e6;
  if (ready + failed < conns.size()) {
    if (first_failure.empty()) first_failure = "connect timeout";
    failed = conns.size() - ready;
  }
  co_return seconds;
}

asio::awaitable<void> Bench::sleep(double seconds) {
  asio::steady_timer timer(io);
  timer.expires_after(std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6)));
  co_await timer.async_wait(use_awaitable);
}

void Bench::on_ready(Connection&) {
  ++ready;
  --connecting_;
  pump_connects();
}

void Bench::on_failed(Connection&, std::string_view why) {
  ++failed;
  --connecting_;
  if (first_failure.empty()) first_failure = std::string(why);
  pump_connects();
}

void Bench::on_closed(Connection& c, std::string_view why) {
  ++step_.closed;
  ++closed;
  inflight_ -= c.load.inflight;
  c.load.inflight = 0;
  if (first_close.empty()) first_close = std::string(why);
}

// ---- traffic ----

bool Bench::take_token(Load& l, std::int64_t now) {
  if (opt.socket_rate <= 0) return true;
  const double burst = std::max(2.0, opt.socket_rate * 0.05);
  l.tokens =
      std::min(burst, l.tokens + static_cast<double>(now - l.refill_us) * opt.socket_rate / 1e6);
  l.refill_us = now;
  if (l.tokens < 1) return false;
  l.tokens -= 1;
  return true;
}

// "42/chat,<ack>[\"public_message\",\"b<tag> <seq> <µs> xxx\"]" or the private or group form,
// written into a scratch buffer and appended to the socket's write buffer: no allocation.
void Bench::send_one(Connection& c) {
  auto& l = c.load;
  const auto ack = l.next_ack++;
  const auto ts = now_us();
  l.ack_sent[ack % kAckRing] = ts;
  ++l.inflight;
  ++inflight_;
  char* p = scratch_;
  p = put(p, "42/chat,");
  p = put_number(p, ack);
  const bool object = !public_ || group_id > 0;
  if (group_id > 0) {
    p = put(p, "[\"group_message\",{\"groupId\":");
    p = put_number(p, static_cast<std::uint64_t>(group_id));
    p = put(p, ",\"message\":\"");
  } else if (public_) {
    p = put(p, "[\"public_message\",\"");
  } else {
    p = put(p, "[\"private_message\",{\"recipientId\":");
    p = put_number(p, l.peer_id);
    p = put(p, ",\"message\":\"");
  }
  p = put_text(p, l.tag, l.seq++, ts, opt.size);
  p = put(p, object ? "\"}]" : "\"]");
  c.send_text(std::string_view(scratch_, static_cast<std::size_t>(p - scratch_)));
  ++step_.sent;
}

void Bench::top_up(Connection& c) {
  if (!c.ready()) return;
  const auto now = now_us();
  while (c.load.inflight < cap_ && take_token(c.load, now)) send_one(c);
}

void Bench::on_event(Connection& c, std::string_view args) {
  static constexpr std::string_view kPublic = "[\"public_message\",";
  static constexpr std::string_view kPrivate = "[\"private_message\",";
  static constexpr std::string_view kGroup = "[\"group_message\",";
  static constexpr std::string_view kException = "[\"exception\"";
  static constexpr std::string_view kText = "\"message\":\"b";
  if (args.starts_with(kPublic) || args.starts_with(kPrivate) || args.starts_with(kGroup)) {
    const auto now = now_us();
    last_activity_us_ = now;
    if (!c.load.measure) return;
    const auto at = args.find(kText);
    if (at == std::string_view::npos) {
      ++step_.unparsed;
      return;
    }
    const char* p = args.data() + at + kText.size();
    const char* end = args.data() + args.size();
    std::uint32_t tag = 0;
    std::uint64_t seq = 0;
    std::int64_t ts = 0;
    auto r1 = std::from_chars(p, end, tag);
    if (r1.ec != std::errc() || r1.ptr == end || *r1.ptr != ' ') return void(++step_.unparsed);
    auto r2 = std::from_chars(r1.ptr + 1, end, seq);
    if (r2.ec != std::errc() || r2.ptr == end || *r2.ptr != ' ') return void(++step_.unparsed);
    auto r3 = std::from_chars(r2.ptr + 1, end, ts);
    if (r3.ec != std::errc()) return void(++step_.unparsed);
    ++step_.delivered;
    auto& node = nodes_[c.load.node];
    if (c.load.mark_seen(tag, seq)) {
      ++step_.unique;
      ++node.unique;
      latency_.record(now - ts);
      node.latency.record(now - ts);
    } else {
      ++step_.duplicates;
      ++node.duplicates;
    }
  } else if (args.starts_with(kException)) {
    ++step_.exceptions;
    if (first_error.empty()) first_error = std::string(args.substr(0, 200));
  }
}

void Bench::on_ack(Connection& c, std::uint64_t id, std::string_view args) {
  auto& l = c.load;
  const auto now = now_us();
  last_activity_us_ = now;
  if (l.inflight > 0) {
    --l.inflight;
    --inflight_;
  }
  if (args.find("\"status\":\"error\"") == std::string_view::npos) {
    ++step_.acked_ok;
  } else {
    ++step_.acked_error;
    if (first_error.empty()) first_error = std::string(args.substr(0, 200));
  }
  if (!l.ack_sent.empty()) ack_latency_.record(now - l.ack_sent[id % kAckRing]);
  if (windowed_ && sending_) top_up(c);
}

asio::awaitable<StepResult> Bench::run_step(double rate, double seconds,
                                            std::vector<Connection*> senders, std::uint64_t fanout,
                                            bool public_event) {
  StepResult r;
  r.rate = rate;
  r.seconds = seconds;
  step_ = {};
  latency_.reset();
  ack_latency_.reset();
  reset_nodes();
  public_ = public_event;
  windowed_ = rate <= 0;
  cap_ =
      windowed_ ? static_cast<std::uint32_t>(opt.window) : static_cast<std::uint32_t>(kAckRing / 2);
  for (auto* s : senders) {
    auto& l = s->load;
    l.sender = true;
    if (l.ack_sent.empty()) l.ack_sent.assign(kAckRing, 0);
    l.refill_us = now_us();
    l.tokens = 1;
  }
  const double cpu0 = cpu_seconds_self();
  const double server0 = server_cpu_seconds();
  const auto own_sched0 = sched_stat(0);
  const double server_wait0 = server_wait_ns();
  const auto t0 = now_us();
  const auto t_end = t0 + static_cast<std::int64_t>(seconds * 1e6);
  last_activity_us_ = t0;
  sending_ = true;
  asio::steady_timer timer(io);
  std::size_t next = 0;
  auto tick = t0;
  // Rate mode: message k is due at t0 + k/rate, all `total` of them sent (a generator that falls
  // behind gets at most one extra second, and pacer_behind counts the ticks it was stuck).
  const auto total = static_cast<std::uint64_t>(std::llround(rate * seconds));
  const auto give_up = t_end + 1'000'000;
  for (;;) {
    const auto now = now_us();
    if (windowed_) {
      if (now >= t_end) break;
      for (auto* s : senders) top_up(*s);
    } else {
      if (step_.sent >= total || senders.empty() || now >= give_up) break;
      const auto due = std::min<std::uint64_t>(
          total, static_cast<std::uint64_t>(rate * static_cast<double>(now - t0) / 1e6) + 1);
      while (step_.sent < due) {
        bool sent = false;
        for (std::size_t tries = 0; tries < senders.size() && !sent; ++tries) {
          auto* s = senders[next++ % senders.size()];
          if (s->ready() && s->load.inflight < cap_ && take_token(s->load, now)) {
            send_one(*s);
            sent = true;
          }
        }
        if (!sent) {
          ++step_.behind;
          break;
        }
      }
    }
    tick += 1000;  // 1 ms
    timer.expires_after(std::chrono::microseconds(std::max<std::int64_t>(0, tick - now_us())));
    co_await timer.async_wait(use_awaitable);
  }
  sending_ = false;
  const auto sent_end = now_us();
  // Drain: every ack back, every expected delivery in (or the drain time is over).
  const auto drain_end = sent_end + static_cast<std::int64_t>(opt.drain * 1e6);
  while (now_us() < drain_end) {
    const auto expected = step_.acked_ok * fanout;
    if (inflight_ == 0 && step_.unique >= expected) break;
    timer.expires_after(std::chrono::milliseconds(2));
    co_await timer.async_wait(use_awaitable);
  }
  r.c = step_;
  r.elapsed = static_cast<double>(std::max(last_activity_us_, sent_end) - t0) / 1e6;
  r.expected = step_.acked_ok * fanout;
  r.lost = r.expected > step_.unique ? r.expected - step_.unique : 0;
  r.latency = latency_;
  r.ack_latency = ack_latency_;
  const double wall = static_cast<double>(now_us() - t0) / 1e6;
  r.generator_cpu = (cpu_seconds_self() - cpu0) / wall * 100;
  r.server_cpu = (server_cpu_seconds() - server0) / wall * 100;
  r.generator_wait = (sched_stat(0).wait_ns - own_sched0.wait_ns) / 1e9 / wall * 100;
  r.server_wait = (server_wait_ns() - server_wait0) / 1e9 / wall * 100;
  co_return r;
}

// ---- figures ----

std::size_t Bench::server_rss() const {
  std::size_t total = 0;
  for (const int pid : opt.server_pids) total += process_rss(pid);
  return total;
}

std::size_t Bench::process_rss(int pid) {
  return pid ? status_bytes(pid, "VmRSS:") : 0;
}

std::size_t Bench::process_peak_rss(int pid) {
  return pid ? status_bytes(pid, "VmHWM:") : 0;
}

// Not inlined into run_step: there GCC 12 reports a false -Wmismatched-new-delete on the
// coroutine frame for the vector's allocation.
void Bench::reset_nodes() {
  nodes_.assign(targets.size(), NodeStep{});
  for (const auto& c : conns)
    if (c->ready() && c->load.measure) ++nodes_[c->load.node].receivers;
}

double Bench::server_wait_ns() const {
  double total = 0;
  for (const int pid : opt.server_pids) total += sched_stat(pid).wait_ns;
  return total;
}

std::size_t Bench::own_rss() const {
  return status_bytes(0, "VmRSS:");
}

double Bench::server_cpu_seconds() const {
  double total = 0;
  for (const int pid : opt.server_pids) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto paren = text.rfind(')');
    if (paren == std::string::npos || paren + 2 > text.size()) continue;
    std::istringstream fields(text.substr(paren + 2));
    std::string f;
    double utime = 0, stime = 0;
    for (int i = 3; fields >> f; ++i) {  // field 3 is the state
      if (i == 14) utime = std::stod(f);
      if (i == 15) {
        stime = std::stod(f);
        break;
      }
    }
    total += (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  return total;
}

json::object Bench::step_json(const StepResult& r, std::size_t receivers) {
  const double elapsed = r.elapsed > 0 ? r.elapsed : 1;
  json::object o;
  o["rate"] = r.rate;
  o["offered_deliveries_per_s"] = r.rate * static_cast<double>(receivers);
  o["seconds"] = round_to(r.seconds, 3);
  o["elapsed"] = round_to(r.elapsed, 3);
  o["sent"] = r.c.sent;
  o["sent_per_s"] = round_to(static_cast<double>(r.c.sent) / r.seconds, 1);
  o["acked"] = r.c.acked_ok;
  o["acked_per_s"] = round_to(static_cast<double>(r.c.acked_ok) / elapsed, 1);
  o["ack_errors"] = r.c.acked_error;
  o["exceptions"] = r.c.exceptions;
  o["deliveries"] = r.c.unique;
  o["deliveries_per_s"] = round_to(static_cast<double>(r.c.unique) / elapsed, 1);
  o["expected"] = r.expected;
  o["lost"] = r.lost;
  o["duplicates"] = r.c.duplicates;
  o["unparsed"] = r.c.unparsed;
  o["closed"] = r.c.closed;
  o["pacer_behind"] = r.c.behind;
  auto ms = [](double us) { return round_to(us / 1000, 3); };
  o["latency_ms"] = json::object{{"p50", ms(r.latency.percentile(0.50))},
                                 {"p95", ms(r.latency.percentile(0.95))},
                                 {"p99", ms(r.latency.percentile(0.99))},
                                 {"max", ms(static_cast<double>(r.latency.max()))},
                                 {"mean", ms(r.latency.mean())}};
  o["ack_latency_ms"] = json::object{{"p50", ms(r.ack_latency.percentile(0.50))},
                                     {"p99", ms(r.ack_latency.percentile(0.99))},
                                     {"max", ms(static_cast<double>(r.ack_latency.max()))}};
  o["generator_cpu_pct"] = round_to(r.generator_cpu, 1);
  o["server_cpu_pct"] = round_to(r.server_cpu, 1);
  o["generator_runqueue_wait_pct"] = round_to(r.generator_wait, 1);
  o["server_runqueue_wait_pct"] = round_to(r.server_wait, 1);
  return o;
}

json::array Bench::nodes_json(const StepResult& r, const std::vector<NodeStep>& nodes) {
  const double elapsed = r.elapsed > 0 ? r.elapsed : 1;
  auto ms = [](double us) { return round_to(us / 1000, 3); };
  json::array out;
  // Every stored message is expected once at each measured socket of each server.
  for (const auto& n : nodes) {
    const auto expected = r.c.acked_ok * n.receivers;
    out.push_back(json::object{
        {"receivers", n.receivers},
        {"deliveries", n.unique},
        {"deliveries_per_s", round_to(static_cast<double>(n.unique) / elapsed, 1)},
        {"expected", expected},
        {"lost", expected > n.unique ? expected - n.unique : 0},
        {"duplicates", n.duplicates},
        {"latency_ms", json::object{{"p50", ms(n.latency.percentile(0.50))},
                                    {"p99", ms(n.latency.percentile(0.99))},
                                    {"max", ms(static_cast<double>(n.latency.max()))}}}});
  }
  return out;
}

void Bench::print(json::object result) {
  json::object out;
  out["scenario"] = opt.scenario;
  if (!opt.label.empty()) out["label"] = opt.label;
  for (auto& [k, v] : result) out[k] = v;
  if (!first_failure.empty()) out["first_failure"] = first_failure;
  if (!first_close.empty()) out["first_close"] = first_close;
  if (!first_error.empty()) out["first_error"] = first_error;
  out["generator_rss"] = own_rss();
  std::string line;
  write_json(line, out);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace bench
