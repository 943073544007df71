#include "http/multipart.hpp"

#include "core/text.hpp"
#include "http/error.hpp"

namespace chatd::http {
namespace {

constexpr std::size_t kMaxHeaderBlock = 16 * 1024;
constexpr std::size_t kMaxLinePadding = 64;  // transport padding after a delimiter

// Splits `type; a=b; c="d;e"` into parameters, honouring quoted strings and backslash escapes.
// Calls f(lower-cased name, unquoted value) for each parameter after the first ';'.
template <typename F>
void for_each_param(std::string_view header, F&& f) {
  std::size_t i = header.find(';');
  while (i != std::string_view::npos && i < header.size()) {
    ++i;
    const auto eq = header.find('=', i);
    if (eq == std::string_view::npos) return;
    const auto name = core::to_lower(core::trim_ows(header.substr(i, eq - i)));
    std::size_t j = eq + 1;
    while (j < header.size() && (header[j] == ' ' || header[j] == '\t')) ++j;
    std::string value;
    if (j < header.size() && header[j] == '"') {
      for (++j; j < header.size() && header[j] != '"'; ++j) {
        if (header[j] == '\\' && j + 1 < header.size()) ++j;
        value += header[j];
      }
      i = header.find(';', j);
    } else {
      const auto end = header.find(';', j);
      value = std::string(
          core::trim_ows(header.substr(j, end == std::string_view::npos ? end : end - j)));
      i = end;
    }
    f(name, std::move(value));
  }
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  const auto semi = content_type.find(';');
  if (core::to_lower(core::trim_ows(content_type.substr(0, semi))) != "multipart/form-data")
    return std::nullopt;
  std::optional<std::string> boundary;
  for_each_param(content_type, [&](const std::string& name, std::string value) {
    if (name == "boundary" && !boundary) boundary = std::move(value);
  });
  if (!boundary || boundary->empty() || boundary->size() > 70) return std::nullopt;
  // CR or LF in a boundary would make the delimiter line ambiguous.
  if (boundary->find_first_of("\r\n") != std::string::npos) return std::nullopt;
  return boundary;
}

// The body is treated as if it began with CRLF, so that the first delimiter (which may open
// the body without one) is found by the same search as every later one.
MultipartParser::MultipartParser(std::string_view boundary)
    : delimiter_("\r\n--" + std::string(boundary)), buffer_("\r\n") {}

void MultipartParser::feed(std::string_view bytes) {
  buffer_.erase(0, pos_);
  pos_ = 0;
  data_ = {};
  buffer_.append(bytes);
}

void MultipartParser::header_line(std::string_view line) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0)
    throw bad_request("Malformed multipart body: bad part header");
  const auto name = core::to_lower(core::trim_ows(line.substr(0, colon)));
  const auto value = core::trim_ows(line.substr(colon + 1));
  if (name == "content-disposition") {
    const auto semi = value.find(';');
    if (core::to_lower(core::trim_ows(value.substr(0, semi))) != "form-data")
      throw bad_request("Malformed multipart body: parts must be form-data");
    for_each_param(value, [this](const std::string& key, std::string v) {
      if (key == "name") part_.name = std::move(v);
      if (key == "filename") part_.filename = std::move(v);
    });
  } else if (name == "content-type") {
    part_.content_type = std::string(value);
  }
}

MultipartParser::Event MultipartParser::next() {
  const std::string_view buf(buffer_);
  for (;;) {
    std::optional<Event> event;
    switch (state_) {
      case State::kPreamble:
        event = skip_preamble(buf);
        break;
      case State::kAfterDelimiter:
        event = after_delimiter(buf);
        break;
      case State::kHeaders:
        event = header(buf);
        break;
      case State::kBody:
        return body(buf);
      case State::kDone:
        pos_ = buf.size();
        return Event::kDone;
    }
    if (event) return *event;
  }
}

std::optional<MultipartParser::Event> MultipartParser::skip_preamble(std::string_view buf) {
  const auto at = buf.find(delimiter_, pos_);
  if (at == std::string_view::npos) {
    // Keep only what could be the start of a delimiter.
    if (buf.size() - pos_ >= delimiter_.size()) pos_ = buf.size() - (delimiter_.size() - 1);
    return Event::kNeedMore;
  }
  pos_ = at + delimiter_.size();
  state_ = State::kAfterDelimiter;
  return std::nullopt;
}

// "--" closes the body; otherwise optional padding and CRLF start a part's headers.
std::optional<MultipartParser::Event> MultipartParser::after_delimiter(std::string_view buf) {
  if (buf.size() - pos_ < 2) return Event::kNeedMore;
  if (buf.substr(pos_, 2) == "--") {
    pos_ = buf.size();
    state_ = State::kDone;
    return Event::kDone;
  }
  std::size_t p = pos_;
  while (p < buf.size() && (buf[p] == ' ' || buf[p] == '\t')) ++p;
  if (p - pos_ > kMaxLinePadding) throw bad_request("Malformed multipart body: bad delimiter line");
  if (buf.size() - p < 2) return Event::kNeedMore;
  if (buf.substr(p, 2) != "\r\n") throw bad_request("Malformed multipart body: bad delimiter line");
  pos_ = p + 2;
  part_ = {};
  header_bytes_ = 0;
  state_ = State::kHeaders;
  return std::nullopt;
}

// One header line of a part; the empty line ends them and begins the part's body.
std::optional<MultipartParser::Event> MultipartParser::header(std::string_view buf) {
  const auto eol = buf.find("\r\n", pos_);
  if (eol == std::string_view::npos) {
    if (header_bytes_ + (buf.size() - pos_) > kMaxHeaderBlock)
      throw bad_request("Malformed multipart body: part headers too large");
    return Event::kNeedMore;
  }
  const auto line = buf.substr(pos_, eol - pos_);
  header_bytes_ += line.size() + 2;
  if (header_bytes_ > kMaxHeaderBlock)
    throw bad_request("Malformed multipart body: part headers too large");
  pos_ = eol + 2;
  if (line.empty()) {
    state_ = State::kBody;
    return Event::kPartBegin;
  }
  header_line(line);
  return std::nullopt;
}

MultipartParser::Event MultipartParser::body(std::string_view buf) {
  const auto at = buf.find(delimiter_, pos_);
  if (at == pos_) {
    pos_ += delimiter_.size();
    state_ = State::kAfterDelimiter;
    return Event::kPartEnd;
  }
  // Up to the delimiter, or up to what could still be the start of one.
  std::size_t end = at;
  if (at == std::string_view::npos) {
    if (buf.size() - pos_ < delimiter_.size()) return Event::kNeedMore;
    end = buf.size() - (delimiter_.size() - 1);
  }
  data_ = buf.substr(pos_, end - pos_);
  pos_ = end;
  return Event::kData;
}

}  // namespace chatd::http
