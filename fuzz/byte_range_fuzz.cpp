// libFuzzer target for the Range header (uploads::parse_range) that serving an upload answers.
//
// Input: byte 0 below 0x80 is the file size; otherwise the size is the next 8 bytes (big
// endian). The rest is the header value. Checks:
//  - a part lies within the file (first <= last < size), an unsatisfiable range only where
//    none of the file could be sent;
//  - the answer equals a reference reading of RFC 9110 §14.1.2 for one range (written here
//    from the grammar, with the leniencies byte_range.hpp documents: the unit in any case,
//    blanks around the numbers, numbers of at most 19 digits, several ranges ignored);
//  - the range written back as a header ("bytes=first-last", and the suffix and open forms
//    where they say the same) gives the same part.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "uploads/byte_range.hpp"

namespace {

namespace uploads = chatd::uploads;
using chatd::fuzz::check;
using Kind = uploads::RangeRequest::Kind;

bool same(const uploads::RangeRequest& a, const uploads::RangeRequest& b) {
  return a.kind == b.kind && (a.kind == Kind::kWhole || (a.first == b.first && a.last == b.last));
}

std::string_view strip_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// 1*DIGIT of at most 19 digits (always within 64 bits).
bool digits(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  out = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

uploads::RangeRequest reference(std::string_view header, std::uint64_t size) {
  const uploads::RangeRequest whole{};
  const uploads::RangeRequest unsatisfiable{Kind::kUnsatisfiable, 0, 0};
  if (header.size() < 6) return whole;
  for (std::size_t i = 0; i < 6; ++i) {
    char c = header[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != "bytes="[i]) return whole;
  }
  const std::string_view set = header.substr(6);
  if (set.find(',') != std::string_view::npos) return whole;  // several ranges: send it all
  const auto dash = set.find('-');
  if (dash == std::string_view::npos) return whole;
  const auto first_text = strip_blanks(set.substr(0, dash));
  const auto last_text = strip_blanks(set.substr(dash + 1));
  std::uint64_t first = 0, last = 0;
  if (first_text.empty()) {  // suffix-range: the last n bytes
    std::uint64_t n;
    if (!digits(last_text, n)) return whole;
    if (n == 0 || size == 0) return unsatisfiable;
    return {Kind::kPart, n >= size ? 0 : size - n, size - 1};
  }
  if (!digits(first_text, first)) return whole;
  if (last_text.empty()) {
    last = UINT64_MAX;
  } else if (!digits(last_text, last) || last < first) {
    return whole;  // an invalid range-spec: the header is ignored
  }
  if (first >= size) return unsatisfiable;
  return {Kind::kPart, first, last < size ? last : size - 1};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::uint64_t file_size = data[0];
  std::size_t at = 1;
  if (data[0] >= 0x80) {
    if (size < 9) return 0;
    file_size = 0;
    for (; at < 9; ++at) file_size = file_size << 8 | data[at];
  }
  const std::string_view header(reinterpret_cast<const char*>(data + at), size - at);

  const uploads::RangeRequest r = uploads::parse_range(header, file_size);
  check(same(r, reference(header, file_size)));
  switch (r.kind) {
    case Kind::kWhole:
      break;
    case Kind::kUnsatisfiable:
      check(r.first == 0 && r.last == 0);
      break;
    case Kind::kPart: {
      check(r.first <= r.last && r.last < file_size);
      // Written back within the 19 digits a number may have.
      const std::string first = std::to_string(r.first), last = std::to_string(r.last),
                        count = std::to_string(file_size - r.first);
      if (last.size() <= 19)
        check(same(uploads::parse_range("bytes=" + first + "-" + last, file_size), r));
      if (r.last == file_size - 1) {
        if (first.size() <= 19)
          check(same(uploads::parse_range("bytes=" + first + "-", file_size), r));
        if (count.size() <= 19) check(same(uploads::parse_range("bytes=-" + count, file_size), r));
      }
      break;
    }
  }
  return 0;
}
