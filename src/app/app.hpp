#pragma once
// The composition root: builds every module from the configuration and wires them together.
#include <cstdint>
#include <memory>

#include "app/config.hpp"

namespace chatd::app {

class App {
 public:
  // Opens the database (applying migrations) and loads keys; throws on bad configuration.
  explicit App(Config config);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Starts listening and serving on the I/O threads.
  void start();
  std::uint16_t port() const;
  // Blocks until SIGINT or SIGTERM.
  void wait_for_signal();
  // Graceful stop: stop accepting, close idle connections, let in-flight requests finish
  // (bounded by drain_seconds), then stop the threads.
  void stop(int drain_seconds = 10);

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace chatd::app
