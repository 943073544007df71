#include "core/iso_time.hpp"

namespace chatd::core {

namespace {

// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days). Plain
// arithmetic: glibc's gmtime_r takes the process-wide time-zone lock, and every stored message
// is formatted at least twice.
struct CivilDate {
  std::int64_t year;
  unsigned month, day;
};

CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2), month, day};
}

char* put_digits(char* out, std::uint64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

}  // namespace

std::string iso_time(std::int64_t millis) {
  constexpr std::int64_t kMsPerDay = 86'400'000;
  std::int64_t days = millis / kMsPerDay;
  std::int64_t in_day = millis % kMsPerDay;
  if (in_day < 0) {
    in_day += kMsPerDay;
    --days;
  }
  const auto date = civil_from_days(days);
  if (date.year < 0 || date.year > 9999) {
    // Outside what four digits can say; never a real message time, but stay well-formed.
    return date.year < 0 ? "0000-01-01T00:00:00.000Z" : "9999-12-31T23:59:59.999Z";
  }
  const auto ms = static_cast<std::uint64_t>(in_day);
  char buf[24];
  char* p = put_digits(buf, static_cast<std::uint64_t>(date.year), 4);
  *p++ = '-';
  p = put_digits(p, date.month, 2);
  *p++ = '-';
  p = put_digits(p, date.day, 2);
  *p++ = 'T';
  p = put_digits(p, ms / 3'600'000, 2);
  *p++ = ':';
  p = put_digits(p, ms / 60'000 % 60, 2);
  *p++ = ':';
  p = put_digits(p, ms / 1000 % 60, 2);
  *p++ = '.';
  p = put_digits(p, ms % 1000, 3);
  *p++ = 'Z';
  return std::string(buf, p);
}

}  // namespace chatd::core
