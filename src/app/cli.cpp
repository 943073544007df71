#include "app/cli.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/app.hpp"
#include "app/command.hpp"
#include "app/config.hpp"
#include "app/log_format.hpp"
#include "app/settings_text.hpp"
#include "app/user_command.hpp"
#include "app/web_root.hpp"
#include "storage/repository.hpp"

namespace chatd::app {
namespace {

constexpr const char* kUsage = R"(Usage: chatd [--config FILE] [COMMAND]

Without a command chatd serves REST, Socket.IO, Swagger UI and the web client on one port
until SIGINT or SIGTERM, then stops gracefully.

Commands:
  migrate             apply the pending database migrations and exit
  check-config        check the settings and print the effective values (secrets as ***)
  env-file            print an environment file with every setting (those set now as
                      assignments, the others commented out at their defaults)
  user create --email EMAIL --username NAME [--full-name NAME]
                      add a user; the password is read from standard input (asked twice
                      at a terminal)
  user set-password USER
                      set a new password (read the same way); ends the user's sessions
  user disable USER   end the user's sessions and refuse their logins and tokens
  user enable USER    let a disabled user log in again
  user delete USER --yes
                      delete the user with their profile, images, the messages they sent
                      and the private messages they received; ends their sessions
                      (USER: an email, else a username. A server running on the same
                      database ends the sockets of those sessions within REVOCATION_POLL_MS)
  -c, --config FILE   read settings from FILE instead of ./.env (KEY=VALUE lines, as
                      /etc/chatd/chatd.env); the environment still wins
  -h, --help          this help
  -V, --version       the version

Exit status: 0 done; 1 a bad setting or a runtime error (database unreachable, ...);
2 a wrong command line, or input a command refuses (a password too short, ...);
3 no user has that email or username; 4 the email or username is taken.
Errors are one line on stderr naming the setting or argument.

Settings come from the environment, or KEY=VALUE lines in ./.env or the --config file (the
environment wins);
an empty value means the default. Every setting, with its default:
)";

#ifndef CHATD_VERSION
#error "CHATD_VERSION is set by src/CMakeLists.txt from the project version"
#endif

void no_arguments(const std::string& command, const std::vector<std::string>& args) {
  if (!args.empty()) throw usage_error(command + ": unexpected argument '" + args.front() + "'");
}

int serve(const EnvLookup& lookup) {
  // Signals are taken by the app's signal_set; block them in every thread first so that none
  // of the I/O threads receives them asynchronously.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto config = load_config(lookup);
  apply_log_settings(config);
  App app(std::move(config));
  app.start();
  app.wait_for_signal();
  app.stop();
  return kExitOk;
}

int migrate(const EnvLookup& lookup) {
  const auto config = load_config(lookup);
  log_to_stderr(config);
  const auto db = storage::open_database(config.database_url, database_options(config));
  std::cout << "chatd: the " << db->backend_name() << " database is up to date\n";
  return kExitOk;
}

int check_config(const EnvLookup& lookup) {
  auto config = load_config(lookup);
  config.web_root = locate_web_root(config.web_root).string();
  std::cout << "# chatd " CHATD_VERSION
               ": the settings are valid. Values not set are defaults;\n"
               "# HOST, the key files, the database and the blob store are checked at start.\n"
            << effective_settings(config, lookup);
  if (auto problem = web_root_problem(config.web_root))
    std::cerr << "chatd: warning: " << *problem << "\n";
  return kExitOk;
}

// Takes a leading --config FILE off args and returns where settings come from.
EnvLookup settings_source(std::vector<std::string>& args) {
  if (args.empty()) return process_env();
  const auto& first = args.front();
  std::string file;
  if (first == "-c" || first == "--config") {
    if (args.size() < 2) throw usage_error("option '" + first + "' needs a file");
    file = args[1];
    args.erase(args.begin(), args.begin() + 2);
  } else if (first.starts_with("--config=")) {
    file = first.substr(9);
    args.erase(args.begin());
  } else {
    return process_env();
  }
  if (std::error_code ec; !std::filesystem::is_regular_file(file, ec))
    throw std::runtime_error("--config: cannot read '" + file + "'");
  return process_env(file);
}

int run(std::vector<std::string> args) {
  const auto lookup = settings_source(args);
  if (args.empty()) return serve(lookup);
  const auto& command = args.front();
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "-h" || command == "--help" || command == "help") {
    no_arguments(command, rest);
    std::cout << kUsage << settings_help();
  } else if (command == "-V" || command == "--version" || command == "version") {
    no_arguments(command, rest);
    std::cout << "chatd " CHATD_VERSION "\n";
  } else if (command == "migrate") {
    no_arguments(command, rest);
    return migrate(lookup);
  } else if (command == "check-config") {
    no_arguments(command, rest);
    return check_config(lookup);
  } else if (command == "user") {
    return user_command(lookup, rest);
  } else if (command == "env-file") {
    no_arguments(command, rest);
    std::cout << env_file(lookup);
  } else {
    throw usage_error((command.starts_with("-") ? "unknown option '" : "unknown command '") +
                      command + "'");
  }
  return kExitOk;
}

}  // namespace

void log_to_stderr(const Config& config) {
  spdlog::set_default_logger(spdlog::stderr_logger_mt("chatd"));
  apply_log_settings(config);
}

void apply_log_settings(const Config& config) {
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_formatter(make_log_formatter(config.log_format));
}

std::optional<std::string> CommandArgs::option(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

CommandArgs parse_args(const std::string& command, const std::vector<std::string>& args,
                       const std::set<std::string>& with_value,
                       const std::set<std::string>& switches) {
  CommandArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (!arg.starts_with("--")) {
      out.positional.push_back(arg);
      continue;
    }
    const auto eq = arg.find('=');
    const auto name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (switches.contains(name) && eq == std::string::npos) {
      out.flags.insert(name);
    } else if (!with_value.contains(name)) {
      throw usage_error(command + ": unknown option '" + arg.substr(0, eq) + "'");
    } else if (eq != std::string::npos) {
      out.options[name] = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      out.options[name] = args[++i];
    } else {
      throw usage_error(command + ": option '--" + name + "' needs a value");
    }
  }
  return out;
}

int run_command_line(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return run(args);
  } catch (const CommandError& e) {
    std::cerr << "chatd: " << e.what() << "\n";
    return e.status();
  } catch (const std::exception& e) {
    std::cerr << "chatd: " << e.what() << "\n";
    return kExitError;
  }
}

}  // namespace chatd::app
