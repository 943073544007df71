// chatd: parse the configuration, build the app, serve until SIGINT/SIGTERM, drain, exit.
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>

#include "app/app.hpp"
#include "app/config.hpp"

int main() {
  // Signals are taken by the app's signal_set; block them in every thread first so that none
  // of the I/O threads receives them asynchronously.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  try {
    auto config = chatd::app::load_config(chatd::app::process_env());
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    chatd::app::App app(std::move(config));
    app.start();
    app.wait_for_signal();
    app.stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chatd: %s\n", e.what());
    return 1;
  }
  return 0;
}
