#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <random>

#include "core/iso_time.hpp"

namespace {

// The old formatter (gmtime_r + snprintf), as the reference the arithmetic must agree with.
std::string via_gmtime(std::int64_t millis) {
  std::time_t secs = static_cast<std::time_t>(millis / 1000);
  int ms = static_cast<int>(millis % 1000);
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

TEST(IsoTime, KnownInstants) {
  using chatd::core::iso_time;
  EXPECT_EQ(iso_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso_time(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(iso_time(951782400000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(iso_time(4107542399999), "2100-02-28T23:59:59.999Z");
  EXPECT_EQ(iso_time(4107542400000), "2100-03-01T00:00:00.000Z");
  EXPECT_EQ(iso_time(1704164645678), "2024-01-02T03:04:05.678Z");
  EXPECT_EQ(iso_time(253402300799999), "9999-12-31T23:59:59.999Z");
}

TEST(IsoTime, OutOfFourDigitYearsStayWellFormed) {
  using chatd::core::iso_time;
  EXPECT_EQ(iso_time(253402300800000), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(iso_time(-62167219200001), "0000-01-01T00:00:00.000Z");
}

TEST(IsoTime, AgreesWithGmtimeAcrossCenturies) {
  std::mt19937_64 rng(7);
  // Years 0001..9999, day boundaries and random instants.
  std::uniform_int_distribution<std::int64_t> any(-62135596800000, 253402300799999);
  for (int i = 0; i < 200000; ++i) {
    const auto t = any(rng);
    ASSERT_EQ(chatd::core::iso_time(t), via_gmtime(t)) << t;
  }
  for (std::int64_t day = -719162; day < 2932897; day += 997) {
    for (std::int64_t t : {day * 86400000, day * 86400000 + 86399999}) {
      ASSERT_EQ(chatd::core::iso_time(t), via_gmtime(t)) << t;
    }
  }
}

}  // namespace
