#pragma once
// The settings table: every environment variable chatd reads, with how it is parsed into
// Config, its default, what it means and whether it is a secret. load_config reads through it,
// `chatd --help` and `chatd env-file` print it, `chatd check-config` shows the effective values.
// Adding a setting: a field in Config (config.hpp), a row in settings.cpp, a row in
// docs/configuration.md.
#include <functional>
#include <string>
#include <vector>

#include "app/config.hpp"

namespace chatd::app {

struct Setting {
  std::string name;
  std::string meaning;   // one line
  std::string accepted;  // the values accepted, briefly ("0-65535"); may be empty
  // Parses a trimmed, non-empty value into the config; throws ConfigError naming the setting.
  std::function<void(const std::string& value, Config& config)> read;
  // The value as it would be written in the environment ("" for unset).
  std::function<std::string(const Config& config)> show;
  // What --help prints as the default when show(Config{}) does not say it (a default derived
  // from another setting, or chosen at start); empty: show(Config{}).
  std::string default_text = {};
  // Turns a value into one safe to print; null: the value is not secret.
  std::function<std::string(const std::string& value)> redact = {};

  // The default as --help and env-file print it.
  std::string default_value() const;
  // show(config), redacted when secret.
  std::string shown(const Config& config) const;
};

struct SettingGroup {
  std::string title;
  std::vector<Setting> settings;
};

// In reading order: when several settings are bad, the first one here is reported.
const std::vector<SettingGroup>& setting_groups();

// Replaces the password of a URL (user:password@host, or a password= query parameter) with ***.
std::string redact_url(const std::string& url);

}  // namespace chatd::app
