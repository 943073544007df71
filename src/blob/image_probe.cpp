#include "blob/image_probe.hpp"

#include <algorithm>

namespace chatd::blob {
namespace {

// Enough for every header field read below (WebP VP8X ends at byte 30).
constexpr std::size_t kHeadBytes = 32;

std::uint32_t byte(std::string_view s, std::size_t i) {
  return static_cast<unsigned char>(s[i]);
}
std::uint32_t be16(std::string_view s, std::size_t i) {
  return byte(s, i) << 8 | byte(s, i + 1);
}
std::uint32_t be32(std::string_view s, std::size_t i) {
  return be16(s, i) << 16 | be16(s, i + 2);
}
std::uint32_t le16(std::string_view s, std::size_t i) {
  return byte(s, i) | byte(s, i + 1) << 8;
}
std::uint32_t le24(std::string_view s, std::size_t i) {
  return le16(s, i) | byte(s, i + 2) << 16;
}
std::uint32_t le32(std::string_view s, std::size_t i) {
  return le24(s, i) | byte(s, i + 3) << 24;
}

// Start-of-frame markers carry the size: SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
bool is_sof(std::uint8_t m) {
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

}  // namespace

const char* extension(ImageType type) {
  switch (type) {
    case ImageType::kJpeg:
      return "jpg";
    case ImageType::kPng:
      return "png";
    case ImageType::kGif:
      return "gif";
    case ImageType::kWebp:
      return "webp";
  }
  return "bin";
}

const char* content_type(ImageType type) {
  switch (type) {
    case ImageType::kJpeg:
      return "image/jpeg";
    case ImageType::kPng:
      return "image/png";
    case ImageType::kGif:
      return "image/gif";
    case ImageType::kWebp:
      return "image/webp";
  }
  return "application/octet-stream";
}

std::optional<ImageType> type_from_extension(std::string_view ext) {
  if (ext == "jpg") return ImageType::kJpeg;
  if (ext == "png") return ImageType::kPng;
  if (ext == "gif") return ImageType::kGif;
  if (ext == "webp") return ImageType::kWebp;
  return std::nullopt;
}

void ImageProbe::feed(std::string_view bytes) {
  if (state_ == State::kJpeg) return feed_jpeg(bytes);
  if (state_ == State::kSettled) return;
  const auto take = std::min(bytes.size(), kHeadBytes - head_.size());
  head_.append(bytes.substr(0, take));
  if (state_ == State::kSniffing && head_.size() >= 12) sniff();
  if (state_ == State::kJpeg) {
    // The two bytes of SOI are behind us; the walk starts at the next marker.
    feed_jpeg(std::string_view(head_).substr(2));
    feed_jpeg(bytes.substr(take));
  } else if (state_ == State::kHeader && head_.size() >= kHeadBytes) {
    parse_header();
  }
}

void ImageProbe::finish() {
  if (state_ == State::kSniffing) {
    sniff();
    if (state_ == State::kJpeg) feed_jpeg(std::string_view(head_).substr(2));
  }
  if (state_ == State::kHeader) parse_header();
  state_ = State::kSettled;
}

void ImageProbe::sniff() {
  const std::string_view h(head_);
  if (h.size() >= 3 && h.substr(0, 3) == "\xFF\xD8\xFF") {
    type_ = ImageType::kJpeg;
    state_ = State::kJpeg;
  } else if (h.size() >= 8 && h.substr(0, 8) == "\x89PNG\r\n\x1A\n") {
    type_ = ImageType::kPng;
    state_ = State::kHeader;
  } else if (h.size() >= 6 && (h.substr(0, 6) == "GIF87a" || h.substr(0, 6) == "GIF89a")) {
    type_ = ImageType::kGif;
    state_ = State::kHeader;
  } else if (h.size() >= 12 && h.substr(0, 4) == "RIFF" && h.substr(8, 4) == "WEBP") {
    type_ = ImageType::kWebp;
    state_ = State::kHeader;
  } else {
    state_ = State::kSettled;  // not an image we take
  }
}

void ImageProbe::parse_header() {
  const std::string_view h(head_);
  state_ = State::kSettled;
  switch (*type_) {
    case ImageType::kPng:
      if (h.size() >= 24 && h.substr(12, 4) == "IHDR") set_size(be32(h, 16), be32(h, 20));
      break;
    case ImageType::kGif:
      if (h.size() >= 10) set_size(le16(h, 6), le16(h, 8));
      break;
    case ImageType::kWebp: {
      if (h.size() < 16) break;
      const auto chunk = h.substr(12, 4);
      if (chunk == "VP8 " && h.size() >= 30 && h.substr(23, 3) == "\x9D\x01\x2A")
        set_size(le16(h, 26) & 0x3FFF, le16(h, 28) & 0x3FFF);
      else if (chunk == "VP8L" && h.size() >= 25 && byte(h, 20) == 0x2F)
        set_size((le32(h, 21) & 0x3FFF) + 1, (le32(h, 21) >> 14 & 0x3FFF) + 1);
      else if (chunk == "VP8X" && h.size() >= 30)
        set_size(le24(h, 24) + 1, le24(h, 27) + 1);
      break;
    }
    case ImageType::kJpeg:
      break;
  }
}

void ImageProbe::feed_jpeg(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size() && state_ == State::kJpeg) {
    const auto b = static_cast<std::uint8_t>(bytes[i]);
    switch (jpeg_) {
      case Jpeg::kMarker:
        if (b != 0xFF) {
          state_ = State::kSettled;  // not a marker where one must be: give up on the size
          return;
        }
        jpeg_ = Jpeg::kCode;
        ++i;
        break;
      case Jpeg::kCode:
        ++i;
        jpeg_marker_code(b);
        break;
      case Jpeg::kLength1:
        segment_left_ = std::uint32_t{b} << 8;
        jpeg_ = Jpeg::kLength2;
        ++i;
        break;
      case Jpeg::kLength2:
        ++i;
        jpeg_segment_length(b);
        break;
      case Jpeg::kSkip: {
        const auto n = std::min<std::size_t>(segment_left_, bytes.size() - i);
        i += n;
        segment_left_ -= static_cast<std::uint32_t>(n);
        if (segment_left_ == 0) jpeg_ = Jpeg::kMarker;
        break;
      }
      case Jpeg::kFrame:
        frame_ += static_cast<char>(b);
        ++i;
        if (frame_.size() == 5) {  // precision, height, width
          set_size(be16(frame_, 3), be16(frame_, 1));
          state_ = State::kSettled;
          return;
        }
        break;
    }
  }
}

// The byte after 0xFF: a fill byte, a marker without a segment, the end of what can hold the
// size, or a segment's marker (its length follows).
void ImageProbe::jpeg_marker_code(std::uint8_t b) {
  if (b == 0xFF) return;  // fill byte
  marker_ = b;
  if (b == 0xD8 || b == 0x01 || (b >= 0xD0 && b <= 0xD7)) {
    jpeg_ = Jpeg::kMarker;  // markers without a segment
  } else if (b == 0xD9 || b == 0xDA || b == 0x00) {
    state_ = State::kSettled;  // image data or the end before any frame header
  } else {
    jpeg_ = Jpeg::kLength1;
  }
}

// The length's low byte: a frame header is read, any other segment skipped.
void ImageProbe::jpeg_segment_length(std::uint8_t low) {
  segment_left_ |= low;
  if (segment_left_ < 2) {
    state_ = State::kSettled;
    return;
  }
  segment_left_ -= 2;  // the length counts itself
  if (is_sof(marker_)) {
    frame_.clear();
    jpeg_ = Jpeg::kFrame;
  } else {
    jpeg_ = segment_left_ ? Jpeg::kSkip : Jpeg::kMarker;
  }
}

void ImageProbe::set_size(std::uint64_t w, std::uint64_t h) {
  // Zero means "unknown" (a JPEG may defer its height to a DNL marker).
  if (w == 0 || h == 0) return;
  if (w > kMaxImageSide || h > kMaxImageSide) {
    oversized_ = true;
    return;
  }
  width_ = static_cast<int>(w);
  height_ = static_cast<int>(h);
}

}  // namespace chatd::blob
