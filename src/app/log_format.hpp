#pragma once
// What a log line looks like (LOG_FORMAT): `text`, spdlog's usual line with the fields of
// core::LogFields appended as " key=value"; or `json`, one object per line for log shippers:
// {"time":"2026-12-03T23:20:18.032Z","level":"info","message":"...","fields":{...}}.
#include <memory>
#include <string>

#include <spdlog/formatter.h>

namespace chatd::app {

// format: "text" or "json" (the settings table checks the value first).
std::unique_ptr<spdlog::formatter> make_log_formatter(const std::string& format);

}  // namespace chatd::app
