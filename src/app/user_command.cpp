#include "app/user_command.hpp"

#include <termios.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <iostream>

#include "app/command.hpp"
#include "auth/accounts.hpp"
#include "blob/open_store.hpp"
#include "core/blocking_pool.hpp"

namespace chatd::app {
namespace {

// Turns terminal echo off while it lives.
class NoEcho {
 public:
  NoEcho() : on_(tcgetattr(STDIN_FILENO, &saved_) == 0) {
    if (!on_) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  ~NoEcho() {
    if (on_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

 private:
  termios saved_{};
  bool on_;
};

std::string read_line(const char* prompt, bool terminal) {
  std::string line;
  if (terminal) {
    std::cerr << prompt << std::flush;
    NoEcho quiet;
    std::getline(std::cin, line);
    std::cerr << "\n";
  } else {
    std::getline(std::cin, line);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The new password: typed twice at a terminal, else the first line of standard input (so that
// it never shows in the process list or the shell history).
std::string read_password(const std::string& command) {
  const bool terminal = isatty(STDIN_FILENO) != 0;
  auto password = read_line("New password: ", terminal);
  if (!std::cin && password.empty())
    throw input_error(command + ": the new password is read from standard input, which is empty");
  if (terminal && read_line("Repeat it: ", terminal) != password)
    throw input_error(command + ": the two passwords differ");
  return password;
}

std::string describe(const storage::User& u) {
  return "'" + u.username + "' <" + u.email + "> (id " + std::to_string(u.id) + ")";
}

// "1 session", "2 sessions".
template <typename N>
std::string count(N n, const std::string& what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// Deletes the image blobs nothing names any more; a failure is logged by the store and leaves
// an orphan, as with every removal.
void remove_blobs(const Config& config, const std::vector<std::string>& keys) {
  if (keys.empty()) return;
  core::BlockingPool pool(1);
  auto store = blob::open_blob_store(blob_store_settings(config), pool);
  boost::asio::io_context ctx;
  auto job = [&store, &keys]() -> boost::asio::awaitable<void> {
    for (const auto& key : keys) co_await store->remove(key);
  };
  boost::asio::co_spawn(ctx, job(), boost::asio::detached);
  ctx.run();
}

// One `chatd user` command line, checked before anything is opened.
struct UserRequest {
  std::string action;
  CommandArgs args;
  std::string who;  // the user named (every action but create)
};

UserRequest parse_request(const std::vector<std::string>& args) {
  static const std::set<std::string> kActions{"create", "set-password", "disable", "enable",
                                              "delete"};
  if (args.empty() || !kActions.contains(args.front()))
    throw usage_error(
        (args.empty() ? std::string("user: ") : "user: unknown action '" + args.front() + "'; ") +
        "expected create, set-password, disable, enable or delete");
  UserRequest r{args.front(), {}, {}};
  const auto command = "user " + r.action;
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (r.action == "create") {
    r.args = parse_args(command, rest, {"email", "username", "full-name"});
    for (const char* required : {"email", "username"})
      if (!r.args.option(required)) throw usage_error(command + ": --" + required + " is required");
  } else {
    r.args =
        parse_args(command, rest, {},
                   r.action == "delete" ? std::set<std::string>{"yes"} : std::set<std::string>{});
    if (r.args.positional.empty())
      throw usage_error(command + ": name the user (email or username)");
    r.who = r.args.positional.front();
    r.args.positional.erase(r.args.positional.begin());
  }
  if (!r.args.positional.empty())
    throw usage_error(command + ": unexpected argument '" + r.args.positional.front() + "'");
  if (r.action == "delete" && !r.args.flag("yes"))
    throw usage_error(command + ": deleting '" + r.who +
                      "' also deletes their messages and cannot be undone; add --yes");
  return r;
}

void create(auth::AccountAdmin& admin, const UserRequest& r) {
  boost::json::object fields{{"email", *r.args.option("email")},
                             {"username", *r.args.option("username")},
                             {"password", read_password("user create")}};
  if (auto name = r.args.option("full-name")) fields["full_name"] = *name;
  const auto user = admin.create(fields);
  std::cout << "created user " << describe(user) << "\n";
}

void change(const Config& config, auth::AccountAdmin& admin, const UserRequest& r) {
  const auto user = admin.find(r.who);
  if (r.action == "set-password") {
    const auto ended = admin.set_password(user, read_password("user set-password"));
    std::cout << "set the password of " << describe(user) << "; ended " << count(ended, "session")
              << "\n";
  } else if (r.action == "disable") {
    const auto ended = admin.disable(user);
    std::cout << "disabled " << describe(user) << "; ended " << count(ended, "session") << "\n";
  } else if (r.action == "enable") {
    admin.enable(user);
    std::cout << "enabled " << describe(user) << "\n";
  } else {
    const auto deleted = admin.remove(user);
    remove_blobs(config, deleted.orphaned_keys);
    std::cout << "deleted " << describe(user) << " with " << count(deleted.messages, "message")
              << " and " << count(deleted.orphaned_keys.size(), "image") << "; ended "
              << count(auth::sessions_ended(deleted.revocations), "session");
    if (deleted.groups_handed_over > 0)
      std::cout << "; handed " << count(deleted.groups_handed_over, "group") << " to a new owner";
    if (deleted.groups_deleted > 0)
      std::cout << "; deleted " << count(deleted.groups_deleted, "group") << " nobody else was in";
    std::cout << "\n";
  }
}

// An account problem as the command's exit status.
int status_of(const auth::AccountError& e) {
  switch (e.kind()) {
    case auth::AccountError::Kind::kInvalid:
      return kExitUsage;
    case auth::AccountError::Kind::kNotFound:
      return kExitNoUser;
    case auth::AccountError::Kind::kTaken:
      return kExitTaken;
  }
  return kExitError;
}

}  // namespace

int user_command(const EnvLookup& lookup, const std::vector<std::string>& args) {
  const auto request = parse_request(args);
  const auto config = load_config(lookup);
  log_to_stderr(config);
  const auto db = storage::open_database(config.database_url, database_options(config));
  auth::AccountAdmin admin(*db, std::chrono::seconds(config.token_ttl_seconds));
  try {
    if (request.action == "create")
      create(admin, request);
    else
      change(config, admin, request);
  } catch (const auth::AccountError& e) {
    throw CommandError(status_of(e), "user " + request.action + ": " + e.what());
  }
  return kExitOk;
}

}  // namespace chatd::app
