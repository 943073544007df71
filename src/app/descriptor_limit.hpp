#pragma once
// MAX_CONNECTIONS against the process's open-file limit: every connection is a descriptor, and
// a server past its limit fails accept() and every file it opens. So the soft limit is raised to
// the hard one, and max_connections lowered to leave a reserve for everything else.
#include <cstddef>
#include <cstdint>

namespace chatd::app {

// Descriptors kept for what is not a client connection: 64, plus 16 for the database and Redis,
// one per blocking thread (a file each), four per I/O thread (epoll, eventfd, timerfd).
std::size_t descriptor_reserve(std::size_t blocking_threads, std::size_t io_threads);
// wanted, or less so that it and reserve fit in limit (at least 1).
std::size_t connections_within(std::size_t wanted, std::uint64_t limit, std::size_t reserve);
// Raises the soft RLIMIT_NOFILE to the hard limit, then connections_within it; says so in one
// warning line when wanted does not fit.
std::size_t fit_to_descriptor_limit(std::size_t wanted, std::size_t reserve);

}  // namespace chatd::app
