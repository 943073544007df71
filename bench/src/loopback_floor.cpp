// loopback-floor: the kernel's own cost of delivering one small message to N loopback TCP sockets,
// with no chatd in the loop. A lower bound for the "public message to ~19,800 sockets" figure of
// issue 7: any server that writes one frame per socket with send() pays at least this.
//
// One binary, several processes: the parent is the sender (listens on 127.0.0.1, accepts all
// connections, sends with --sender-threads threads); --receivers child processes each open their
// share of the N connections and read them with one epoll thread (like chatd-bench). Each round the
// sender writes one --size byte message carrying the round's start time and its own send time
// (CLOCK_MONOTONIC) to every socket; the receivers record receive time minus both. Latency "from
// round start" is what chatd-bench measures (publish time to arrival at each socket).
//
// Plain POSIX sockets + epoll, no Boost. Prints one JSON line per run and a human summary on
// stderr.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct Options {
  int connections = 19801;
  int rounds = 10;
  int size = 120;
  int sender_threads = 1;
  int receivers = 1;
  int interval_ms = 1000;
};

constexpr std::uint32_t kMagic = 0x666c6f6f;  // "floo"

// The head of every message; the rest of --size bytes is padding.
struct Header {
  std::uint32_t magic;
  std::uint32_t round;
  std::int64_t t0_ns;    // round start (same for every socket)
  std::int64_t sent_ns;  // just before this socket's send()
};

std::int64_t now_ns(clockid_t clock = CLOCK_MONOTONIC) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "loopback-floor: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

void usage() {
  std::fprintf(stderr,
               "usage: loopback-floor [--connections N] [--rounds R] [--size BYTES]\n"
               "                      [--sender-threads T] [--receivers K] [--interval-ms MS]\n"
               "defaults: 19801 connections, 10 rounds, 120 bytes, 1 sender thread, 1 receiver\n"
               "process, 1000 ms between rounds\n");
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> int {
      if (i + 1 >= argc) {
        usage();
        std::exit(2);
      }
      return std::atoi(argv[++i]);
    };
    if (a == "--connections") {
      o.connections = value();
    } else if (a == "--rounds") {
      o.rounds = value();
    } else if (a == "--size") {
      o.size = value();
    } else if (a == "--sender-threads") {
      o.sender_threads = value();
    } else if (a == "--receivers") {
      o.receivers = value();
    } else if (a == "--interval-ms") {
      o.interval_ms = value();
    } else {
      usage();
      std::exit(a == "--help" || a == "-h" ? 0 : 2);
    }
  }
  if (o.connections < 1 || o.rounds < 1 || o.sender_threads < 1 || o.receivers < 1 ||
      o.receivers > o.connections || o.size < static_cast<int>(sizeof(Header)) || o.size > 4096) {
    usage();
    std::exit(2);
  }
  return o;
}

void raise_nofile() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) die("getrlimit");
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) die("setrlimit");
}

void set_nodelay(int fd) {
  int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) die("TCP_NODELAY");
}

void set_nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) die("O_NONBLOCK");
}

// Shared between sender and receivers (MAP_SHARED before fork): per round and connection slot,
// receive time minus round start and minus own send time; per receiver and round, its CPU time.
struct Shared {
  std::int64_t* from_start;  // [rounds * connections]
  std::int64_t* transit;     // [rounds * connections]
  std::int64_t* recv_cpu;    // [receivers * (rounds + 1)]: thread CPU after setup, after each round
  std::atomic<std::int64_t>* anomalies;  // short/odd reads, bad magic
};

template <typename T>
T* shared_array(std::size_t n) {
  void* p = mmap(nullptr, std::max<std::size_t>(n * sizeof(T), 1), PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) die("mmap");
  return static_cast<T*>(p);
}

// Receiver process k: opens its connections, reports readiness, then reads until every socket is
// closed (or it is killed). Writes one byte on `done_fd` when all its sockets got round r.
[[noreturn]] void receiver(const Options& o, int k, std::uint16_t port, int ready_fd, int done_fd,
                           const Shared& sh) {
  const int begin = static_cast<int>(static_cast<long>(o.connections) * k / o.receivers);
  const int end = static_cast<int>(static_cast<long>(o.connections) * (k + 1) / o.receivers);
  const int n = end - begin;

  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < n; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("connect");
    set_nodelay(fd);  // chatd-bench and chatd both set it
    set_nonblocking(fd);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl");
  }
  sh.recv_cpu[k * (o.rounds + 1)] = now_ns(CLOCK_THREAD_CPUTIME_ID);
  char b = 'r';
  if (write(ready_fd, &b, 1) != 1) die("write ready");

  std::vector<int> got(o.rounds, 0);
  std::vector<epoll_event> events(4096);
  alignas(8) char buf[8192];
  int open = n;
  while (open > 0) {
    int m = epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    if (m < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int e = 0; e < m; ++e) {
      int fd = events[e].data.fd;
      ssize_t r = read(fd, buf, sizeof buf);
      const std::int64_t now = now_ns();
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
        close(fd);
        --open;
        continue;
      }
      if (r < 0) continue;
      // One message per socket per round; loopback delivers it whole. Anything else is counted.
      if (r % o.size != 0) sh.anomalies->fetch_add(1);
      for (ssize_t off = 0; off + o.size <= r; off += o.size) {
        Header h;
        std::memcpy(&h, buf + off, sizeof h);
        if (h.magic != kMagic || h.round >= static_cast<std::uint32_t>(o.rounds) ||
            got[h.round] >= n) {
          sh.anomalies->fetch_add(1);
          continue;
        }
        const std::size_t slot =
            static_cast<std::size_t>(h.round) * o.connections + begin + got[h.round];
        sh.from_start[slot] = now - h.t0_ns;
        sh.transit[slot] = now - h.sent_ns;
        if (++got[h.round] == n) {
          sh.recv_cpu[k * (o.rounds + 1) + h.round + 1] = now_ns(CLOCK_THREAD_CPUTIME_ID);
          char d = static_cast<char>(h.round);
          if (write(done_fd, &d, 1) != 1) die("write done");
        }
      }
    }
  }
  _exit(0);
}

struct Pct {
  double p50 = 0, p99 = 0, max = 0;  // milliseconds
};

Pct percentiles(std::vector<std::int64_t> v) {
  Pct p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    std::size_t i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return static_cast<double>(v[std::min(i, v.size() - 1)]) / 1e6;
  };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.max = static_cast<double>(v.back()) / 1e6;
  return p;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

struct Round {
  Pct from_start;              // ms, receive time minus round start
  Pct transit;                 // ms, receive time minus this socket's send time
  double send_phase_ms = 0;    // round start until the last send() returned
  double sender_cpu_us = 0;    // sender thread CPU per send
  double receiver_cpu_us = 0;  // receiver CPU per received message
  int delivered = 0;
  bool complete = false;
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  raise_nofile();
  signal(SIGPIPE, SIG_IGN);

  const std::size_t cells = static_cast<std::size_t>(o.rounds) * o.connections;
  Shared sh{};
  sh.from_start = shared_array<std::int64_t>(cells);
  sh.transit = shared_array<std::int64_t>(cells);
  sh.recv_cpu = shared_array<std::int64_t>(static_cast<std::size_t>(o.receivers) * (o.rounds + 1));
  sh.anomalies = new (shared_array<std::atomic<std::int64_t>>(1)) std::atomic<std::int64_t>(0);
  std::fill(sh.from_start, sh.from_start + cells, -1);

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0) die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // a fresh port each run: no clash with TIME_WAIT pairs of the previous run
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("bind");
  if (listen(lfd, 65535) != 0) die("listen");
  socklen_t alen = sizeof addr;
  if (getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) die("getsockname");
  const std::uint16_t port = ntohs(addr.sin_port);

  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) die("pipe");
  std::vector<int> done_rd(o.receivers);
  std::vector<pid_t> pids(o.receivers);
  for (int k = 0; k < o.receivers; ++k) {
    int done[2];
    if (pipe2(done, O_CLOEXEC) != 0) die("pipe");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      close(lfd);
      close(ready[0]);
      close(done[0]);
      receiver(o, k, port, ready[1], done[1], sh);
    }
    close(done[1]);
    done_rd[k] = done[0];
    pids[k] = pid;
  }
  close(ready[1]);

  // Accept everything (the receivers connect concurrently), then wait until all are registered.
  const std::int64_t connect_start = now_ns();
  std::vector<int> fds;
  fds.reserve(o.connections);
  while (static_cast<int>(fds.size()) < o.connections) {
    int fd = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR) continue;
      die("accept");
    }
    set_nodelay(fd);
    fds.push_back(fd);
  }
  for (int k = 0; k < o.receivers; ++k) {
    char b;
    if (read(ready[0], &b, 1) != 1) die("receiver did not get ready");
  }
  const double connect_s = static_cast<double>(now_ns() - connect_start) / 1e9;
  std::fprintf(stderr, "loopback-floor: %d connections on 127.0.0.1:%u in %.2f s\n", o.connections,
               port, connect_s);

  // Sender threads: thread t sends to fds[t*N/T, (t+1)*N/T). The main thread is thread 0.
  const int T = o.sender_threads;
  std::barrier start_barrier(T), end_barrier(T);
  std::atomic<std::int64_t> t0{0};
  std::vector<std::int64_t> cpu_ns(T), last_send_ns(T), errors(T);
  std::atomic<bool> quit{false};
  auto send_share = [&](int t, int round) {
    const std::size_t b = fds.size() * t / T, e = fds.size() * (t + 1) / T;
    alignas(8) char msg[4096];
    std::memset(msg, 'x', o.size);
    Header h{kMagic, static_cast<std::uint32_t>(round), t0.load(), 0};
    const std::int64_t cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    for (std::size_t i = b; i < e; ++i) {
      h.sent_ns = now_ns();
      std::memcpy(msg, &h, sizeof h);
      if (send(fds[i], msg, o.size, MSG_DONTWAIT | MSG_NOSIGNAL) != o.size) ++errors[t];
    }
    last_send_ns[t] = now_ns();
    cpu_ns[t] = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
  };
  std::vector<std::thread> workers;
  std::atomic<int> round_no{0};
  for (int t = 1; t < T; ++t) {
    workers.emplace_back([&, t] {
      for (;;) {
        start_barrier.arrive_and_wait();
        if (quit.load()) return;
        send_share(t, round_no.load());
        end_barrier.arrive_and_wait();
      }
    });
  }

  std::vector<Round> rounds(o.rounds);
  std::int64_t next = now_ns() + 200'000'000;
  for (int r = 0; r < o.rounds; ++r) {
    const std::int64_t wait = next - now_ns();
    if (wait > 0) {
      timespec ts{static_cast<time_t>(wait / 1'000'000'000),
                  static_cast<long>(wait % 1'000'000'000)};
      nanosleep(&ts, nullptr);
    }
    next += static_cast<std::int64_t>(o.interval_ms) * 1'000'000;
    round_no.store(r);
    t0.store(now_ns());
    start_barrier.arrive_and_wait();
    send_share(0, r);
    end_barrier.arrive_and_wait();

    Round& rd = rounds[r];
    std::int64_t cpu = 0, last = 0;
    for (int t = 0; t < T; ++t) {
      cpu += cpu_ns[t];
      last = std::max(last, last_send_ns[t]);
    }
    rd.send_phase_ms = static_cast<double>(last - t0.load()) / 1e6;
    rd.sender_cpu_us = static_cast<double>(cpu) / 1e3 / static_cast<double>(o.connections);

    // Block (no spinning: the machine has 2 cores) until every receiver reports the round, 10 s
    // max.
    int pending = o.receivers;
    std::vector<bool> reported(o.receivers, false);
    const std::int64_t deadline = now_ns() + 10'000'000'000;
    while (pending > 0) {
      std::vector<pollfd> pf;
      std::vector<int> which;
      for (int k = 0; k < o.receivers; ++k) {
        if (!reported[k]) {
          pf.push_back({done_rd[k], POLLIN, 0});
          which.push_back(k);
        }
      }
      const int left_ms = static_cast<int>((deadline - now_ns()) / 1'000'000);
      if (left_ms <= 0) break;
      int m = poll(pf.data(), pf.size(), left_ms);
      if (m < 0 && errno != EINTR) die("poll");
      for (std::size_t i = 0; m > 0 && i < pf.size(); ++i) {
        if (!(pf[i].revents & (POLLIN | POLLHUP))) continue;
        char d;
        if (read(pf[i].fd, &d, 1) == 1) {
          reported[which[i]] = true;
          --pending;
        }
      }
    }
    rd.complete = pending == 0;
    const std::size_t base = static_cast<std::size_t>(r) * o.connections;
    std::vector<std::int64_t> fs, tr;
    fs.reserve(o.connections);
    tr.reserve(o.connections);
    for (int i = 0; i < o.connections; ++i) {
      if (sh.from_start[base + i] < 0) continue;
      fs.push_back(sh.from_start[base + i]);
      tr.push_back(sh.transit[base + i]);
    }
    rd.delivered = static_cast<int>(fs.size());
    rd.from_start = percentiles(fs);
    rd.transit = percentiles(tr);
    std::int64_t rcpu = 0;
    for (int k = 0; k < o.receivers; ++k) {
      const std::int64_t* c = sh.recv_cpu + k * (o.rounds + 1);
      rcpu += c[r + 1] - c[r];
    }
    rd.receiver_cpu_us = static_cast<double>(rcpu) / 1e3 / static_cast<double>(o.connections);
    std::fprintf(stderr,
                 "round %2d: delivered %d/%d  p50 %6.2f  p99 %6.2f  last %6.2f ms  | transit p99 "
                 "%6.2f ms | send phase %6.2f ms, sender cpu %.2f us/send, receiver cpu %.2f "
                 "us/msg\n",
                 r, rd.delivered, o.connections, rd.from_start.p50, rd.from_start.p99,
                 rd.from_start.max, rd.transit.p99, rd.send_phase_ms, rd.sender_cpu_us,
                 rd.receiver_cpu_us);
  }
  quit.store(true);
  if (T > 1) start_barrier.arrive_and_wait();
  for (auto& w : workers) w.join();
  for (pid_t pid : pids) kill(pid, SIGKILL);
  for (pid_t pid : pids) waitpid(pid, nullptr, 0);
  for (int fd : fds) close(fd);

  // Pooled over all rounds (as chatd-bench pools its probes), and medians of per-round figures.
  std::vector<std::int64_t> all_fs, all_tr;
  for (std::size_t i = 0; i < cells; ++i) {
    if (sh.from_start[i] < 0) continue;
    all_fs.push_back(sh.from_start[i]);
    all_tr.push_back(sh.transit[i]);
  }
  const Pct pooled = percentiles(all_fs), pooled_tr = percentiles(all_tr);
  std::vector<double> last, p99, phase, scpu, rcpu;
  long delivered = 0;
  std::int64_t send_errors = 0;
  bool complete = true;
  for (const Round& rd : rounds) {
    last.push_back(rd.from_start.max);
    p99.push_back(rd.from_start.p99);
    phase.push_back(rd.send_phase_ms);
    scpu.push_back(rd.sender_cpu_us);
    rcpu.push_back(rd.receiver_cpu_us);
    delivered += rd.delivered;
    complete = complete && rd.complete;
  }
  for (std::int64_t e : errors) send_errors += e;
  const double max_last = *std::max_element(last.begin(), last.end());

  std::printf(
      "{\"tool\":\"loopback-floor\",\"connections\":%d,\"receivers\":%d,\"sender_threads\":%d,"
      "\"size\":%d,\"rounds\":%d,\"delivered\":%ld,\"expected\":%ld,\"complete\":%s,"
      "\"send_errors\":%lld,\"anomalies\":%lld,\"connect_s\":%.3f,"
      "\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
      "\"round_p99_ms\":{\"median\":%.3f},"
      "\"time_to_last_ms\":{\"median\":%.3f,\"max\":%.3f},"
      "\"transit_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
      "\"send_phase_ms\":{\"median\":%.3f},\"sender_cpu_us_per_send\":{\"median\":%.3f},"
      "\"receiver_cpu_us_per_msg\":{\"median\":%.3f}}\n",
      o.connections, o.receivers, T, o.size, o.rounds, delivered,
      static_cast<long>(o.rounds) * o.connections, complete ? "true" : "false",
      static_cast<long long>(send_errors), static_cast<long long>(sh.anomalies->load()), connect_s,
      pooled.p50, pooled.p99, pooled.max, median(p99), median(last), max_last, pooled_tr.p50,
      pooled_tr.p99, pooled_tr.max, median(phase), median(scpu), median(rcpu));
  std::fflush(stdout);
  std::fprintf(stderr,
               "summary: %d sockets, %d sender thread(s), %d receiver process(es): latency from "
               "round start p50 %.2f p99 %.2f max %.2f ms; time to last median %.2f ms; send "
               "phase %.2f ms; %.2f us sender CPU per send, %.2f us receiver CPU per message\n",
               o.connections, T, o.receivers, pooled.p50, pooled.p99, pooled.max, median(last),
               median(phase), median(scpu), median(rcpu));
  return complete && send_errors == 0 ? 0 : 1;
}
