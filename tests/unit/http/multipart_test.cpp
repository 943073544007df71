#include "http/multipart.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "http/error.hpp"

namespace chatd::http {
namespace {

struct Part {
  std::string name;
  std::optional<std::string> filename;
  std::string data;
};

struct Parsed {
  std::vector<Part> parts;
  bool complete = false;
};

Parsed parse(const std::string& boundary, const std::string& body, std::size_t piece) {
  MultipartParser p(boundary);
  Parsed out;
  for (std::size_t i = 0; i < body.size(); i += piece) {
    p.feed(std::string_view(body).substr(i, piece));
    for (auto ev = p.next(); ev != MultipartParser::Event::kNeedMore; ev = p.next()) {
      if (ev == MultipartParser::Event::kDone) break;
      if (ev == MultipartParser::Event::kPartBegin)
        out.parts.push_back({p.part().name, p.part().filename, ""});
      if (ev == MultipartParser::Event::kData) out.parts.back().data.append(p.data());
    }
  }
  out.complete = p.complete();
  return out;
}

const std::string kBoundary = "----chatdBoundary7MA4YWxk";

std::string form(const std::string& file) {
  return "--" + kBoundary +
         "\r\nContent-Disposition: form-data; name=\"recipientId\"\r\n\r\n42\r\n"
         "--" +
         kBoundary +
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".png\"\r\n"
         "Content-Type: image/png\r\n\r\n" +
         file + "\r\n--" + kBoundary + "--\r\n";
}

TEST(Multipart, BoundaryFromContentType) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data ;Boundary=\"a b;c\""), "a b;c");
  EXPECT_EQ(multipart_boundary("multipart/form-data; charset=utf-8; boundary=x-1"), "x-1");
  EXPECT_FALSE(multipart_boundary("multipart/form-data"));
  EXPECT_FALSE(multipart_boundary("multipart/mixed; boundary=abc"));
  EXPECT_FALSE(multipart_boundary("application/json"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary="));
}

TEST(Multipart, ParsesFieldsAndFilesInAnyPieces) {
  // Binary content that contains CR, LF, dashes and most of the boundary.
  std::string file =
      "\x89PNG\r\n\x1A\n\r\n--" + kBoundary.substr(0, 10) + "\r\n" + std::string("-\0-", 3);
  file += std::string(5000, 'z') + "\r\n--" + kBoundary.substr(0, kBoundary.size() - 1) + "x";
  const auto body = form(file);
  for (std::size_t piece : {1, 2, 5, 17, 100, 4096, 1000000}) {
    const auto r = parse(kBoundary, body, piece);
    ASSERT_TRUE(r.complete) << piece;
    ASSERT_EQ(r.parts.size(), 2u) << piece;
    EXPECT_EQ(r.parts[0].name, "recipientId");
    EXPECT_FALSE(r.parts[0].filename);
    EXPECT_EQ(r.parts[0].data, "42");
    EXPECT_EQ(r.parts[1].name, "file");
    EXPECT_EQ(r.parts[1].filename, "a \"b\".png");
    EXPECT_EQ(r.parts[1].data, file) << piece;
  }
}

TEST(Multipart, PreambleEpilogueAndEmptyParts) {
  const std::string body =
      "preamble text\r\n--B\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n"
      "\r\n--B\r\n\r\nno headers\r\n--B--\r\nepilogue";
  const auto r = parse("B", body, 3);
  ASSERT_TRUE(r.complete);
  ASSERT_EQ(r.parts.size(), 2u);
  EXPECT_EQ(r.parts[0].name, "e");
  EXPECT_EQ(r.parts[0].data, "");
  EXPECT_EQ(r.parts[1].name, "");
  EXPECT_EQ(r.parts[1].data, "no headers");
}

TEST(Multipart, TruncatedBodyIsIncomplete) {
  const auto body = form(std::string(1000, 'q'));
  for (std::size_t cut : {std::size_t{0}, std::size_t{10}, body.size() / 2, body.size() - 5})
    EXPECT_FALSE(parse(kBoundary, body.substr(0, cut), 7).complete) << cut;
}

TEST(Multipart, MalformedInputThrows400) {
  const std::string bad_delimiter =
      "--B\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--Bjunk";
  EXPECT_THROW(parse("B", bad_delimiter, 4), HttpError);
  const std::string bad_header = "--B\r\nno colon here\r\n\r\nx\r\n--B--";
  EXPECT_THROW(parse("B", bad_header, 4), HttpError);
  const std::string not_form_data =
      "--B\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--B--";
  EXPECT_THROW(parse("B", not_form_data, 4), HttpError);
  const std::string huge_headers = "--B\r\nX: " + std::string(20000, 'h');
  try {
    parse("B", huge_headers, 1000);
    FAIL();
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 400);
  }
}

}  // namespace
}  // namespace chatd::http
