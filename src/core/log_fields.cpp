#include "core/log_fields.hpp"

namespace chatd::core {
namespace {
// Per thread, like spdlog's own formatting buffers: a log call formats on the calling thread.
std::span<const LogField>& slot() noexcept {
  thread_local std::span<const LogField> fields;
  return fields;
}
}  // namespace

LogFields::LogFields(std::span<const LogField> fields) noexcept : previous_(slot()) {
  slot() = fields;
}

LogFields::~LogFields() {
  slot() = previous_;
}

std::span<const LogField> LogFields::current() noexcept {
  return slot();
}

}  // namespace chatd::core
