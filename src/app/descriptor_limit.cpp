#include "app/descriptor_limit.hpp"

#include <sys/resource.h>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace chatd::app {

std::size_t descriptor_reserve(std::size_t blocking_threads, std::size_t io_threads) {
  return 64 + 16 + blocking_threads + 4 * io_threads;
}

std::size_t connections_within(std::size_t wanted, std::uint64_t limit, std::size_t reserve) {
  if (limit <= reserve) return 1;
  return static_cast<std::size_t>(std::min<std::uint64_t>(wanted, limit - reserve));
}

std::size_t fit_to_descriptor_limit(std::size_t wanted, std::size_t reserve) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return wanted;
  if (lim.rlim_cur != lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  if (lim.rlim_cur == RLIM_INFINITY) return wanted;
  const auto fitted = connections_within(wanted, lim.rlim_cur, reserve);
  if (fitted < wanted)
    spdlog::warn(
        "MAX_CONNECTIONS {} lowered to {}: the open-file limit is {} (ulimit -n) and {} "
        "descriptors are kept for the database, files and threads",
        wanted, fitted, lim.rlim_cur, reserve);
  return fitted;
}

}  // namespace chatd::app
