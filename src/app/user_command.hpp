#pragma once
// `chatd user create|set-password|disable|enable|delete`: account administration without SQL
// (README "Command line").
#include <string>
#include <vector>

#include "app/config.hpp"

namespace chatd::app {

// args: what follows `user`. Returns the exit status; throws CommandError.
int user_command(const EnvLookup& lookup, const std::vector<std::string>& args);

}  // namespace chatd::app
