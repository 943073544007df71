#pragma once
// An incremental multipart/form-data parser (RFC 7578): bytes go in as they arrive from the
// socket, parts come out as events, and part bodies pass through in pieces, so a file is never
// held whole. Memory stays bounded by one input piece plus one header block.
#include <optional>
#include <string>
#include <string_view>

namespace chatd::http {

// The boundary parameter of a multipart/form-data Content-Type, or nullopt when the type is
// something else or the boundary is missing or invalid (1 to 70 characters).
std::optional<std::string> multipart_boundary(std::string_view content_type);

struct MultipartPart {
  std::string name;                     // Content-Disposition name
  std::optional<std::string> filename;  // Content-Disposition filename, when a file
  std::string content_type;             // as declared by the client; never trusted
};

class MultipartParser {
 public:
  enum class Event { kNeedMore, kPartBegin, kData, kPartEnd, kDone };

  explicit MultipartParser(std::string_view boundary);

  // Appends input. Views handed out by data() stay valid until the next feed().
  void feed(std::string_view bytes);
  // The next event in the input fed so far: kPartBegin (see part()), kData (see data()),
  // kPartEnd, kDone once the closing delimiter was seen (an epilogue is ignored), or kNeedMore.
  // Throws HttpError(400) on malformed input.
  Event next();
  const MultipartPart& part() const { return part_; }
  std::string_view data() const { return data_; }
  // True once the closing delimiter was seen; a body that ends earlier was cut off.
  bool complete() const { return state_ == State::kDone; }

 private:
  enum class State { kPreamble, kAfterDelimiter, kHeaders, kBody, kDone };
  // One state's step: an event for the caller, or none to go on with the next state.
  std::optional<Event> skip_preamble(std::string_view buf);
  std::optional<Event> after_delimiter(std::string_view buf);
  std::optional<Event> header(std::string_view buf);
  Event body(std::string_view buf);
  void header_line(std::string_view line);

  std::string delimiter_;  // CRLF "--" boundary
  std::string buffer_;
  std::size_t pos_ = 0;
  std::size_t header_bytes_ = 0;
  State state_ = State::kPreamble;
  MultipartPart part_;
  std::string_view data_;
};

}  // namespace chatd::http
