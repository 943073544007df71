#include "app/settings_text.hpp"

#include <algorithm>

#include "app/settings.hpp"

namespace chatd::app {
namespace {

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// The comment above a setting in the env file: meaning, values accepted, a derived default.
std::string describe(const Setting& s) {
  std::string out = "# " + s.meaning + "\n";
  if (!s.accepted.empty()) out += "#   accepted: " + s.accepted + "\n";
  if (!s.default_text.empty()) out += "#   default: " + s.default_text + "\n";
  return out;
}

}  // namespace

std::string settings_help() {
  std::string out;
  for (const auto& group : setting_groups()) {
    out += "\n" + group.title + ":\n";
    for (const auto& s : group.settings) {
      auto head = "  " + s.name + "=" + s.default_value();
      out += s.accepted.empty() ? head + "\n" : pad(head, 44) + "  (" + s.accepted + ")\n";
      out += "      " + s.meaning + "\n";
    }
  }
  return out;
}

std::string env_file(const EnvLookup& lookup) {
  std::string out =
      "# chatd settings: KEY=VALUE lines, read by systemd (EnvironmentFile=) and by chatd from\n"
      "# ./.env. Remove the leading # of a line to change that setting; an empty value means\n"
      "# the default. `chatd --help` lists the same settings, `chatd check-config` shows the\n"
      "# values in effect.\n";
  const Config defaults;
  for (const auto& group : setting_groups()) {
    out += "\n## " + group.title + "\n";
    for (const auto& s : group.settings) {
      out += "\n" + describe(s);
      const auto value = setting_value(lookup, s.name);
      if (value && s.redact) {
        out += "# (set when this file was written; secrets are not written)\n#" + s.name + "=\n";
      } else if (value) {
        out += s.name + "=" + *value + "\n";
      } else {
        out += "#" + s.name + "=" + s.show(defaults) + "\n";
      }
    }
  }
  return out;
}

std::string effective_settings(const Config& config, const EnvLookup& lookup) {
  std::string out;
  for (const auto& group : setting_groups())
    for (const auto& s : group.settings) {
      const auto line = s.name + "=" + s.shown(config);
      out += setting_value(lookup, s.name) ? line + "\n" : pad(line, 48) + "  # default\n";
    }
  return out;
}

}  // namespace chatd::app
