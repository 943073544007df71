#pragma once
// Decides what an upload is from its first bytes (never from its name or declared type) and
// finds its pixel size in the format's header, fed piece by piece as the upload streams in.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::blob {

enum class ImageType { kJpeg, kPng, kGif, kWebp };

// Pixels on a side an image may declare (JPEG and GIF cannot go past 65,535, WebP 16,384; a PNG
// header may say up to 2^31 - 1). A larger one is refused rather than named or shown.
constexpr int kMaxImageSide = 100'000;

// "jpg", "png", "gif", "webp": the extension of stored names.
const char* extension(ImageType type);
const char* content_type(ImageType type);
std::optional<ImageType> type_from_extension(std::string_view ext);

class ImageProbe {
 public:
  // Feeds the next bytes of the file. Cheap once the answer is known.
  void feed(std::string_view bytes);
  // Call when the file ended: an undecided type becomes "not an image".
  void finish();

  // True once the type is known to be an image or known not to be one.
  bool type_decided() const { return state_ != State::kSniffing; }
  std::optional<ImageType> type() const { return type_; }
  // True once feeding more bytes cannot change the answer.
  bool settled() const { return state_ == State::kSettled; }
  std::optional<int> width() const { return width_; }
  std::optional<int> height() const { return height_; }
  // The header declares a side over kMaxImageSide (width and height are then unknown).
  bool oversized() const { return oversized_; }

 private:
  enum class State { kSniffing, kHeader, kJpeg, kSettled };
  enum class Jpeg { kMarker, kCode, kLength1, kLength2, kSkip, kFrame };
  void sniff();
  void parse_header();
  void feed_jpeg(std::string_view bytes);
  void jpeg_marker_code(std::uint8_t b);
  void jpeg_segment_length(std::uint8_t low);
  void set_size(std::uint64_t w, std::uint64_t h);

  State state_ = State::kSniffing;
  std::optional<ImageType> type_;
  std::optional<int> width_, height_;
  bool oversized_ = false;
  std::string head_;  // the first bytes, until the type and header are parsed
  // JPEG segment walk: markers are scanned one byte at a time, segments skipped by length.
  Jpeg jpeg_ = Jpeg::kMarker;
  std::uint32_t segment_left_ = 0;
  std::uint8_t marker_ = 0;
  std::string frame_;  // the start of a SOF segment: precision, height, width
};

}  // namespace chatd::blob
