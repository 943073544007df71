#pragma once
// The command line (README "Command line"): without a command chatd serves until SIGINT or
// SIGTERM; a command (migrate, check-config, env-file, user ...) does one task and exits.
namespace chatd::app {

// Exit statuses, the same for every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;   // a bad setting or a runtime error: the line on stderr says
inline constexpr int kExitUsage = 2;   // a wrong command line, or input a command refuses
inline constexpr int kExitNoUser = 3;  // chatd user: no user has that email or username
inline constexpr int kExitTaken = 4;   // chatd user create: the email or username is taken

// Runs what argv asks for and returns the exit status. Every error is one line on stderr,
// "chatd: ...", naming the setting or argument at fault.
int run_command_line(int argc, char** argv);

}  // namespace chatd::app
