// libFuzzer target for the image probe (blob::ImageProbe), which reads the type and pixel size
// of an upload from its first bytes as they stream in.
//
// Byte 0 picks the mode, bytes 1-4 seed the read sizes.
//  - Raw mode: the rest is a file. Fed whole, one byte at a time and in reads of random sizes,
//    the probe must give one answer; the type must be the one the magic bytes name; a size
//    comes with both dimensions positive; after finish() everything is settled.
//  - Structured mode: the target writes an image header itself (PNG, GIF, WebP VP8/VP8L/VP8X
//    with the unit tests' builders; JPEG with random segments, fill bytes and markers without
//    a segment before the frame header) with dimensions from the input, then random bytes; the
//    probe must read back the type and the dimensions written.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "blob/image_probe.hpp"
#include "fuzz_support.hpp"
#include "test_images.hpp"

namespace {

namespace blob = chatd::blob;
using chatd::fuzz::check;
using chatd::fuzz::Chunker;

struct Answer {
  std::optional<blob::ImageType> type;
  std::optional<int> width, height;
  bool oversized = false;  // a side over blob::kMaxImageSide: no size
  bool operator==(const Answer&) const = default;
};

// Feeds the file in the chunker's sizes (whole without one, one byte at a time with step 1).
Answer probe(std::string_view file, Chunker* chunker, std::size_t step = 0) {
  blob::ImageProbe p;
  std::size_t fed = 0;
  while (fed < file.size()) {
    const std::size_t n = std::min(chunker ? chunker->next()
                                   : step  ? step
                                           : file.size(),
                                   file.size() - fed);
    const bool was_settled = p.settled();
    const auto before = Answer{p.type(), p.width(), p.height(), p.oversized()};
    p.feed(file.substr(fed, n));
    fed += n;
    if (was_settled) check((Answer{p.type(), p.width(), p.height(), p.oversized()} == before));
  }
  p.finish();
  check(p.settled() && p.type_decided());
  const Answer a{p.type(), p.width(), p.height(), p.oversized()};
  check(a.width.has_value() == a.height.has_value());
  if (a.oversized) check(!a.width);
  if (a.width) check(*a.width > 0 && *a.height > 0 && a.type);
  if (a.type) {
    const auto ext = blob::extension(*a.type);
    check(blob::type_from_extension(ext) == a.type);
    check(std::string_view(blob::content_type(*a.type)).starts_with("image/"));
  }
  return a;
}

// The type the first bytes name (the probe's rule, written out once more).
std::optional<blob::ImageType> magic(std::string_view f) {
  if (f.starts_with("\xFF\xD8\xFF")) return blob::ImageType::kJpeg;
  if (f.starts_with("\x89PNG\r\n\x1A\n")) return blob::ImageType::kPng;
  if (f.starts_with("GIF87a") || f.starts_with("GIF89a")) return blob::ImageType::kGif;
  if (f.size() >= 12 && f.starts_with("RIFF") && f.substr(8, 4) == "WEBP")
    return blob::ImageType::kWebp;
  return std::nullopt;
}

void put16(std::string& s, std::uint32_t v) {
  s += static_cast<char>(v >> 8 & 0xFF);
  s += static_cast<char>(v & 0xFF);
}

// SOI, segments and markers the probe must walk past, then a frame header.
std::string jpeg(FuzzedDataProvider& in, std::uint32_t w, std::uint32_t h) {
  static constexpr std::uint8_t kSof[] = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7,
                                          0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF};
  static constexpr std::uint8_t kSegments[] = {0xE0, 0xE1, 0xE2, 0xEE, 0xEF, 0xFE, 0xDB,
                                               0xC4, 0xC8, 0xCC, 0xDD, 0x02, 0xBF};
  static constexpr std::uint8_t kBare[] = {0xD0, 0xD7, 0x01, 0xD8};
  std::string s("\xFF\xD8", 2);
  for (int n = in.ConsumeIntegralInRange(0, 6); n > 0; --n) {
    s += std::string(in.ConsumeIntegralInRange(1, 3), '\xFF');  // fill bytes before a marker
    if (in.ConsumeBool()) {
      s += static_cast<char>(in.PickValueInArray(kBare));
      continue;
    }
    s += static_cast<char>(in.PickValueInArray(kSegments));
    const std::string body = in.ConsumeRandomLengthString(600);
    put16(s, static_cast<std::uint32_t>(body.size() + 2));
    s += body;
  }
  s += '\xFF';
  s += static_cast<char>(in.PickValueInArray(kSof));
  put16(s, 17);
  s += '\x08';
  put16(s, h);
  put16(s, w);
  return s;
}

void structured(FuzzedDataProvider& in, Chunker& chunker) {
  namespace img = chatd::blob::test;
  const int format = in.ConsumeIntegralInRange(0, 5);
  auto w = in.ConsumeIntegral<std::uint32_t>();
  auto h = in.ConsumeIntegral<std::uint32_t>();
  std::string file;
  blob::ImageType type = blob::ImageType::kWebp;
  switch (format) {
    case 0:
      type = blob::ImageType::kPng;
      file = img::png(w, h, 0);
      break;
    case 1:
      type = blob::ImageType::kGif;
      w &= 0xFFFF, h &= 0xFFFF;
      file = img::gif(w, h);
      break;
    case 2:
      type = blob::ImageType::kJpeg;
      w &= 0xFFFF, h &= 0xFFFF;
      file = jpeg(in, w, h);
      break;
    case 3:
      w &= 0x3FFF, h &= 0x3FFF;
      file = img::webp_vp8(w, h);
      break;
    case 4:
      w = (w & 0x3FFF) + 1, h = (h & 0x3FFF) + 1;
      file = img::webp_vp8l(w, h);
      break;
    default:
      w = (w & 0xFFFFFF) + 1, h = (h & 0xFFFFFF) + 1;
      file = img::webp_vp8x(w, h);
      break;
  }
  file += in.ConsumeRemainingBytesAsString();
  const Answer a = probe(file, &chunker);
  check(a.type == type);
  // Zero is "not known" (a JPEG may give its height later); a side over the limit is refused.
  if (w == 0 || h == 0) {
    check(!a.width);
  } else if (w > blob::kMaxImageSide || h > blob::kMaxImageSide) {
    check(!a.width && a.oversized);
  } else {
    check(a.width == static_cast<int>(w) && a.height == static_cast<int>(h));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto in = chatd::fuzz::stream_input(data, size);
  if (!in) return 0;
  Chunker chunker(in->seed, 64);
  if (in->structured()) {
    FuzzedDataProvider provider(in->rest_bytes(), in->rest.size());
    structured(provider, chunker);
    return 0;
  }
  const std::string_view file = in->rest;
  const Answer whole = probe(file, nullptr);
  check(whole.type == magic(file));
  check(probe(file, nullptr, 1) == whole);
  check(probe(file, &chunker) == whole);
  return 0;
}
