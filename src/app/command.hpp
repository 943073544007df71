#pragma once
// What the commands of cli.cpp share: their error type and a small option parser.
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/config.hpp"

namespace chatd::app {

// Ends a command with its exit status; the message is the one line printed.
class CommandError : public std::runtime_error {
 public:
  CommandError(int status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// A wrong command line: the line also says where the right one is described.
inline CommandError usage_error(const std::string& message) {
  return CommandError(kExitUsage, message + " (chatd --help lists the commands)");
}
// Input a command refuses, read from where the command line pointed (a password too short).
inline CommandError input_error(const std::string& message) {
  return CommandError(kExitUsage, message);
}

// A command's log lines go to stderr, at LOG_LEVEL: its stdout is its answer.
void log_to_stderr(const Config& config);
// LOG_LEVEL and LOG_FORMAT on the default logger.
void apply_log_settings(const Config& config);

// Options (--name value or --name=value) and positional arguments of one command.
struct CommandArgs {
  std::map<std::string, std::string> options;  // by name, without the dashes
  std::set<std::string> flags;                 // options that take no value
  std::vector<std::string> positional;

  std::optional<std::string> option(const std::string& name) const;
  bool flag(const std::string& name) const { return flags.contains(name); }
};

// Parses args for `command`: `with_value` options take a value, `switches` take none. Throws a
// usage error naming the unknown option or the one missing its value.
CommandArgs parse_args(const std::string& command, const std::vector<std::string>& args,
                       const std::set<std::string>& with_value,
                       const std::set<std::string>& switches = {});

}  // namespace chatd::app
