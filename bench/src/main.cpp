// chatd-bench: load generator for chatd and the Node.js reference (bench/README.md).
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "bench.hpp"

int main(int argc, char** argv) {
  bench::Options options;
  try {
    options = bench::parse_options(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::cerr << "chatd-bench: " << e.what() << "\n\n" << bench::usage();
    return 2;
  }
  // Thousands of sockets: the open-file limit goes up to the hard limit (as compare.sh's ulimit).
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  int code = 1;
  try {
    bench::Bench b(options);
    code = b.run();
    std::fflush(stdout);
    std::cerr.flush();
    // Thousands of sockets: let the kernel close them rather than tearing down one by one.
    std::_Exit(code);
  } catch (const std::exception& e) {
    std::cerr << "chatd-bench: " << e.what() << "\n";
  }
  return code;
}
