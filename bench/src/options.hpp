#pragma once
// Command line of chatd-bench: `chatd-bench <scenario> [--name value]...`.
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

// One server (a chatd node) the generator talks to.
struct Server {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3001;
  std::string url() const { return "http://" + host + ":" + std::to_string(port); }
};

struct Options {
  std::string scenario;
  std::string label;  // copied into the JSON result
  // --url, repeated or a comma list: the first server gets the REST calls (users) and every
  // connection of the scenarios but fanout, which spreads its receivers and senders over all of
  // them round robin (several nodes of one cluster).
  std::vector<Server> servers{Server{}};
  // --server-pid, repeated or a comma list (one per server, same order): RSS and CPU figures are
  // the sums over these processes; empty: not measured.
  std::vector<int> server_pids;

  // users
  std::string tokens_file;  // "<id>\t<token>" lines; written by `users`, read by the others
  std::string user_prefix = "bench";
  std::size_t users = 0;  // pool size; 0: what the scenario needs
  std::size_t register_concurrency = 8;

  // connections
  std::size_t connections = 1000;  // connect: idle connections; fanout: receivers
  std::size_t senders = 10;
  std::size_t pairs = 100;
  std::size_t connect_concurrency = 256;
  double connect_timeout = 120;  // seconds, for all connections
  std::size_t source_ips = 8;    // 127.0.0.1..N as source addresses when the target is loopback
  // The WebSocket upgrade's headers: "minimal" (Host and the protocol's own) or "browser" (what
  // a desktop browser sends besides: user agent, origin, languages, a cookie...), because a
  // server that keeps handshake headers pays for them per connection.
  std::string headers = "minimal";

  // traffic
  std::vector<double> rates{100};  // messages/s over all senders; 0: windowed (as fast as acked)
  bool rates_given = false;
  double duration = 10;           // seconds per rate step
  double drain = 5;               // seconds to wait for in-flight messages after a step
  double settle = 3;              // seconds before reading the server's RSS
  std::size_t window = 64;        // messages in flight per socket in windowed mode
  double socket_rate = 400;       // per-socket cap (chatd closes sockets above 500 packets/s)
  std::size_t size = 64;          // message text length in bytes (at least the header)
  double slo_ms = 50;             // fanout: a step passes when p99 < slo and nothing is lost
  std::string event = "private";  // store: private (to an offline user) or public
  double probe_rate = 0;          // connect: public messages/s sent after connecting
  double probe_seconds = 5;

  // recover: the server (the first --server-pid) is SIGKILLed after `before` seconds of traffic,
  // `restart_command` (run with /bin/sh; prints the new server's pid) starts it again `down`
  // seconds after it died, and the traffic goes on for `after` seconds once every client is back
  // (or `recover_timeout` seconds after the restart).
  std::string restart_command;
  double before = 5;
  double after = 5;
  double down = 0;
  double recover_timeout = 60;
  double private_share = 0.2;  // fraction of the messages sent as private messages
  // After each CONNECT answer, a client subscribes to the presence of this many users (the ones
  // after its own in the pool), as a client does for the people it shows.
  std::size_t presence_subscribe = 0;
  // socket.io-client's reconnection options (milliseconds; its defaults).
  double reconnection_delay = 1000;
  double reconnection_delay_max = 5000;
  double randomization_factor = 0.5;
  std::uint64_t seed = 0;  // of the backoff jitter; 0: random (the result gives the one used)
};

// Throws std::invalid_argument with a message naming the bad option.
Options parse_options(int argc, char** argv);
std::string usage();

}  // namespace bench
