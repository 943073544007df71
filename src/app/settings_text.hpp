#pragma once
// The settings table as text: the settings part of `chatd --help`, the environment file of
// `chatd env-file` (the package's /etc/chatd/chatd.env), and the effective configuration that
// `chatd check-config` prints.
#include <string>

#include "app/config.hpp"

namespace chatd::app {

// Every setting with its default, the values accepted and one line of meaning, by group.
std::string settings_help();
// A commented environment file: each setting set in `lookup` as an assignment, every other one
// commented out at its default. Secrets are never written.
std::string env_file(const EnvLookup& lookup);
// NAME=value for every setting as `config` has it, secrets redacted; those not set in `lookup`
// are marked as defaults.
std::string effective_settings(const Config& config, const EnvLookup& lookup);

}  // namespace chatd::app
