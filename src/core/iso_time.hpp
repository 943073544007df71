#pragma once
// Timestamps as clients see them.
#include <cstdint>
#include <string>

namespace chatd::core {

// ISO-8601 UTC with milliseconds, as Prisma serialises DateTime: 2024-01-02T03:04:05.678Z
std::string iso_time(std::int64_t millis);

}  // namespace chatd::core
