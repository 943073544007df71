// libFuzzer target for the multipart/form-data parser of uploads (http::MultipartParser) and
// the boundary parameter of the Content-Type (http::multipart_boundary).
//
// Byte 0 picks the mode, bytes 1-4 seed the read sizes.
//  - Raw mode: a Content-Type line, then the body. The body goes to the parser in reads of
//    random sizes and once whole; both runs must give the same parts, headers, bytes and
//    outcome, and the events must follow the grammar (begin, data..., end; done last).
//  - Structured mode: the target writes a form itself (a boundary, parts with names, file names,
//    content types and contents, preamble, transport padding, epilogue) the way a browser would;
//    the Content-Type must give back the boundary, and the parser the very parts written (up
//    to a part whose header block is over 16 KiB, which must be refused).
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "http/error.hpp"
#include "http/multipart.hpp"

namespace {

namespace http = chatd::http;
using chatd::fuzz::check;
using chatd::fuzz::Chunker;
using Event = http::MultipartParser::Event;

struct Part {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;
  std::string content;
  bool operator==(const Part&) const = default;
};

struct Outcome {
  std::vector<Part> parts;
  bool in_part = false;  // the body ended inside a part
  bool complete = false;
  std::optional<std::string> error;
  bool operator==(const Outcome&) const = default;
};

// Runs the parser over the body, read whole or in the chunker's sizes.
Outcome parse(std::string_view boundary, std::string_view body, Chunker* chunker) {
  http::MultipartParser parser(boundary);
  Outcome out;
  std::size_t fed = 0;
  try {
    for (;;) {
      const std::size_t n =
          chunker ? std::min(chunker->next(), body.size() - fed) : body.size() - fed;
      parser.feed(body.substr(fed, n));
      fed += n;
      for (Event ev = parser.next(); ev != Event::kNeedMore; ev = parser.next()) {
        if (ev == Event::kDone) {
          check(!out.in_part && parser.complete());
          check(parser.next() == Event::kDone);  // an epilogue changes nothing
          break;
        }
        check(!parser.complete());
        switch (ev) {
          case Event::kPartBegin: {
            check(!out.in_part);
            const http::MultipartPart& p = parser.part();
            out.parts.push_back({p.name, p.filename, p.content_type, {}});
            out.in_part = true;
            break;
          }
          case Event::kData:
            check(out.in_part && !parser.data().empty());
            out.parts.back().content += parser.data();
            break;
          case Event::kPartEnd:
            check(out.in_part);
            out.in_part = false;
            break;
          default:
            check(false);
        }
      }
      if (fed == body.size()) break;
    }
  } catch (const http::HttpError& e) {
    check(e.status() == 400);
    out.error = e.what();
  }
  out.complete = parser.complete();
  return out;
}

// A quoted-string for a header parameter.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::string printable(FuzzedDataProvider& in, std::size_t max) {
  std::string s = in.ConsumeRandomLengthString(max);
  std::erase_if(s, [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
  return s;
}

void structured(FuzzedDataProvider& in, Chunker& chunker) {
  std::string boundary = printable(in, 70);
  if (boundary.empty()) boundary = "b";
  const std::string content_type =
      "multipart/form-data; charset=utf-8; boundary=" + quoted(boundary) + "; other=\"x;y\"";
  const auto parsed = http::multipart_boundary(content_type);
  check(parsed && *parsed == boundary);
  const std::string delimiter = "\r\n--" + boundary;

  std::vector<Part> parts(in.ConsumeIntegralInRange(0, 4));
  std::size_t first_too_large = parts.size();  // a part whose header block is over 16 KiB
  std::string body;
  std::string preamble = printable(in, 40);
  if (!preamble.empty()) body = preamble + "\r\n";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    Part& p = parts[i];
    p.name = printable(in, 20);
    if (in.ConsumeBool()) p.filename = printable(in, 20);
    // Header values are read without surrounding blanks.
    p.content_type = printable(in, 20);
    while (!p.content_type.empty() &&
           (p.content_type.back() == ' ' || p.content_type.back() == '\t'))
      p.content_type.pop_back();
    while (!p.content_type.empty() && (p.content_type[0] == ' ' || p.content_type[0] == '\t'))
      p.content_type.erase(0, 1);
    p.content = in.ConsumeRandomLengthString(2000);
    if (in.ConsumeBool()) p.content += delimiter.substr(0, delimiter.size() - 1);
    std::string headers = "Content-Disposition: form-data; name=" + quoted(p.name);
    if (p.filename) headers += "; filename=" + quoted(*p.filename);
    headers += "\r\n";
    if (!p.content_type.empty() || in.ConsumeBool())
      headers += "content-type:  " + p.content_type + "\r\n";
    if (in.ConsumeBool())
      headers += "X-Padding: " + std::string(in.ConsumeIntegralInRange(0, 17000), 'p') + "\r\n";
    if (headers.size() + 2 > 16 * 1024 && first_too_large == parts.size()) first_too_large = i;
    body += "--" + boundary + std::string(in.ConsumeIntegralInRange(0, 3), ' ') + "\r\n";
    body += headers + "\r\n" + p.content + "\r\n";
  }
  body += "--" + boundary + "--";
  body += in.ConsumeRemainingBytesAsString();  // the epilogue

  // A preamble or content that holds the delimiter would end the part there: not this check.
  const std::string framed = "\r\n" + body;
  std::size_t delimiters = 0;
  for (auto at = framed.find(delimiter); at != std::string::npos;
       at = framed.find(delimiter, at + 1))
    ++delimiters;
  if (delimiters != parts.size() + 1) return;

  const Outcome out = parse(boundary, body, &chunker);
  if (first_too_large < parts.size()) {
    check(out.error && out.error->find("too large") != std::string::npos);
    parts.resize(first_too_large);
  } else {
    check(!out.error && out.complete && !out.in_part);
  }
  check(out.parts == parts);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto in = chatd::fuzz::stream_input(data, size);
  if (!in) return 0;
  Chunker chunker(in->seed, 512);
  if (in->structured()) {
    FuzzedDataProvider provider(in->rest_bytes(), in->rest.size());
    structured(provider, chunker);
    return 0;
  }
  const std::string_view input = in->rest;
  const auto eol = input.find('\n');
  if (eol == std::string_view::npos) return 0;
  const auto boundary = http::multipart_boundary(input.substr(0, eol));
  if (boundary) check(!boundary->empty() && boundary->size() <= 70);
  const std::string b = boundary.value_or("boundary");
  const std::string_view body = input.substr(eol + 1);
  const Outcome whole = parse(b, body, nullptr);
  check(parse(b, body, &chunker) == whole);
  return 0;
}
