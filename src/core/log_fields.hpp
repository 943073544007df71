#pragma once
// Key/value fields for the log lines written on this thread while a LogFields scope lives: the
// log formatter reads them (LOG_FORMAT=json: "fields"; text: " key=value" after the message).
// A scope is meant to wrap the log calls of one statement, never a suspension point: coroutines
// of other requests run on the same thread in between.
#include <span>
#include <string_view>
#include <utility>

namespace chatd::core {

using LogField = std::pair<std::string_view, std::string_view>;

class LogFields {
 public:
  // The fields must outlive the scope: a named array, e.g.
  //   const core::LogField fields[]{{"request_id", request.id}};
  //   core::LogFields scope(fields);
  explicit LogFields(std::span<const LogField> fields) noexcept;
  ~LogFields();
  LogFields(const LogFields&) = delete;
  LogFields& operator=(const LogFields&) = delete;

  // The fields of the innermost scope on this thread (empty outside any).
  static std::span<const LogField> current() noexcept;

 private:
  std::span<const LogField> previous_;
};

}  // namespace chatd::core
