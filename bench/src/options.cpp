#include "options.hpp"

#include <charconv>
#include <stdexcept>
#include <string_view>

namespace bench {
namespace {

double to_double(std::string_view name, const std::string& v) {
  std::size_t used = 0;
  double d = 0;
  try {
    d = std::stod(v, &used);
  } catch (...) {
    used = 0;
  }
  if (used != v.size() || d < 0)
    throw std::invalid_argument(std::string(name) + ": bad number '" + v + "'");
  return d;
}

std::size_t to_size(std::string_view name, const std::string& v) {
  std::size_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size())
    throw std::invalid_argument(std::string(name) + ": bad count '" + v + "'");
  return n;
}

std::vector<std::string> split(const std::string& v) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= v.size()) {
    auto end = v.find(',', start);
    if (end == std::string::npos) end = v.size();
    out.push_back(v.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::vector<double> to_list(std::string_view name, const std::string& v) {
  std::vector<double> out;
  for (const auto& item : split(v)) out.push_back(to_double(name, item));
  return out;
}

Server parse_url(const std::string& url) {
  std::string_view u = url;
  if (u.starts_with("http://")) u.remove_prefix(7);
  if (auto slash = u.find('/'); slash != std::string_view::npos) u = u.substr(0, slash);
  const auto colon = u.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    throw std::invalid_argument("--url: expected http://host:port, got '" + url + "'");
  const auto port = to_size("--url", std::string(u.substr(colon + 1)));
  if (port == 0 || port > 65535) throw std::invalid_argument("--url: bad port in '" + url + "'");
  return Server{std::string(u.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

}  // namespace

std::string usage() {
  return R"(usage: chatd-bench <scenario> [options]
scenarios:
  users     register and log in --users users, write --tokens
  connect   --connections N idle /chat connections: time to connect, server RSS per connection;
            with --probe-rate R, then public messages for --probe-seconds: latency at all of them
  fanout    --connections N receivers, --senders S sending public messages at --rates R1,R2,...
            (total messages/s, one step of --duration seconds each): deliveries/s, latency, loss;
            --event group: each connection its own user, all of them in one group (the server's
            GROUP_MAX_MEMBERS must allow N + S), the senders sending group_message to it
  private   --pairs P pairs of users sending each other private messages at --rates R (0: as fast
            as acked, --window per socket): messages/s, latency, loss
  store     --senders S sockets sending with acks, --window in flight each, for --duration:
            stored (acked) messages/s; --event private (to an offline user, default) or public
  recover   --connections N (10000) clients with connection state recovery, --senders S of them
            sending at --rates R (2) messages/s in total (--private-share of them private); after
            --before s the server (--server-pid) is SIGKILLed and --restart-command started
            --down s after it died; clients reconnect with socket.io-client's backoff; --after s
            of traffic once all are back: reconnect and recovery times, missed and duplicated
            deliveries against the stored history, server CPU and peak RSS
options:
  --url http://127.0.0.1:3001   --server-pid PID   --label TEXT   --tokens FILE
            --url and --server-pid take comma lists or repeat: fanout spreads its receivers and
            senders round robin over the servers (cluster nodes); the other scenarios and user
            registration use the first; RSS and CPU are summed over the pids
  --users N   --user-prefix P   --register-concurrency N   --connect-concurrency N
  --connect-timeout S   --source-ips N   --duration S   --drain S   --settle S   --window N
  --socket-rate R   --size BYTES   --slo-ms MS   --probe-rate R   --probe-seconds S
  --headers minimal|browser   the upgrade request's headers (browser: ~600 bytes more, as Chrome)
  recover: --restart-command CMD   --before S   --after S   --down S   --recover-timeout S
  --private-share F   --reconnection-delay MS   --reconnection-delay-max MS
  --randomization-factor F   --seed N   --presence-subscribe K (presence_subscribe to the next K
            users of the pool after each connection)
Each scenario prints one JSON line on stdout; progress goes to stderr.
)";
}

Options parse_options(int argc, char** argv) {
  Options o;
  if (argc < 2) throw std::invalid_argument("missing scenario");
  o.scenario = argv[1];
  if (o.scenario != "users" && o.scenario != "connect" && o.scenario != "fanout" &&
      o.scenario != "private" && o.scenario != "store" && o.scenario != "recover")
    throw std::invalid_argument("unknown scenario '" + o.scenario + "'");
  bool urls_given = false, pids_given = false, connections_given = false;
  for (int i = 2; i < argc; ++i) {
    const std::string name = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(name + ": missing value");
    const std::string v = argv[++i];
    if (name == "--url") {
      if (!urls_given) o.servers.clear();
      urls_given = true;
      for (const auto& u : split(v)) o.servers.push_back(parse_url(u));
    } else if (name == "--label")
      o.label = v;
    else if (name == "--server-pid") {
      if (!pids_given) o.server_pids.clear();
      pids_given = true;
      for (const auto& p : split(v))
        if (const auto pid = to_size(name, p)) o.server_pids.push_back(static_cast<int>(pid));
    } else if (name == "--tokens")
      o.tokens_file = v;
    else if (name == "--user-prefix")
      o.user_prefix = v;
    else if (name == "--users")
      o.users = to_size(name, v);
    else if (name == "--register-concurrency")
      o.register_concurrency = to_size(name, v);
    else if (name == "--connections" || name == "--receivers") {
      o.connections = to_size(name, v);
      connections_given = true;
    } else if (name == "--restart-command")
      o.restart_command = v;
    else if (name == "--before")
      o.before = to_double(name, v);
    else if (name == "--after")
      o.after = to_double(name, v);
    else if (name == "--down")
      o.down = to_double(name, v);
    else if (name == "--recover-timeout")
      o.recover_timeout = to_double(name, v);
    else if (name == "--private-share")
      o.private_share = to_double(name, v);
    else if (name == "--presence-subscribe")
      o.presence_subscribe = to_size(name, v);
    else if (name == "--reconnection-delay")
      o.reconnection_delay = to_double(name, v);
    else if (name == "--reconnection-delay-max")
      o.reconnection_delay_max = to_double(name, v);
    else if (name == "--randomization-factor")
      o.randomization_factor = to_double(name, v);
    else if (name == "--seed")
      o.seed = to_size(name, v);
    else if (name == "--senders")
      o.senders = to_size(name, v);
    else if (name == "--pairs")
      o.pairs = to_size(name, v);
    else if (name == "--connect-concurrency")
      o.connect_concurrency = to_size(name, v);
    else if (name == "--connect-timeout")
      o.connect_timeout = to_double(name, v);
    else if (name == "--source-ips")
      o.source_ips = to_size(name, v);
    else if (name == "--rate" || name == "--rates") {
      o.rates = to_list(name, v);
      o.rates_given = true;
    } else if (name == "--duration")
      o.duration = to_double(name, v);
    else if (name == "--drain")
      o.drain = to_double(name, v);
    else if (name == "--settle")
      o.settle = to_double(name, v);
    else if (name == "--window")
      o.window = to_size(name, v);
    else if (name == "--socket-rate")
      o.socket_rate = to_double(name, v);
    else if (name == "--size")
      o.size = to_size(name, v);
    else if (name == "--slo-ms")
      o.slo_ms = to_double(name, v);
    else if (name == "--event")
      o.event = v;
    else if (name == "--probe-rate")
      o.probe_rate = to_double(name, v);
    else if (name == "--probe-seconds")
      o.probe_seconds = to_double(name, v);
    else if (name == "--headers")
      o.headers = v;
    else
      throw std::invalid_argument("unknown option " + name);
  }
  if (o.headers != "minimal" && o.headers != "browser")
    throw std::invalid_argument("--headers: expected minimal or browser");
  if (o.event != "private" && o.event != "public" && o.event != "group")
    throw std::invalid_argument("--event: expected private, public or group");
  if (o.window == 0 || o.window > 1024) throw std::invalid_argument("--window: 1 to 1024");
  if (o.size > 4000) throw std::invalid_argument("--size: at most 4000");
  if (o.connect_concurrency == 0 || o.register_concurrency == 0 || o.source_ips == 0)
    throw std::invalid_argument("concurrency and --source-ips must be at least 1");
  if (o.private_share > 1) throw std::invalid_argument("--private-share: 0 to 1");
  if (o.randomization_factor > 1) throw std::invalid_argument("--randomization-factor: 0 to 1");
  if (o.scenario == "recover") {
    if (!connections_given) o.connections = 10000;
    if (!o.rates_given) o.rates = {2};
    if (o.rates.size() != 1) throw std::invalid_argument("recover: --rates takes one rate");
    if (o.restart_command.empty())
      throw std::invalid_argument("recover: --restart-command is required");
    if (o.server_pids.empty())
      throw std::invalid_argument("recover: --server-pid (the server to kill) is required");
  }
  return o;
}

}  // namespace bench
