// Accept-Encoding negotiation and gzip/deflate bodies, checked by decompressing with zlib.
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

#include "http/compression.hpp"

namespace chatd::http {
namespace {

std::optional<std::string_view> pick(std::optional<std::string_view> header) {
  return accepted_encoding(header, {"gzip", "deflate"});
}

std::string inflate_all(const std::string& data, int window_bits) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, window_bits), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

TEST(AcceptedEncoding, PicksTheHighestWeightThenTheServersOrder) {
  EXPECT_EQ(pick("gzip, deflate, br"), "gzip");
  EXPECT_EQ(pick("deflate, gzip"), "gzip");
  EXPECT_EQ(pick("deflate"), "deflate");
  EXPECT_EQ(pick("gzip;q=0.5, deflate"), "deflate");
  EXPECT_EQ(pick("gzip; q=0.9 , deflate;q=0.8"), "gzip");
  EXPECT_EQ(pick("GZip"), "gzip");
  EXPECT_EQ(pick("*"), "gzip");
  EXPECT_EQ(pick("gzip;q=0, *"), "deflate");
}

TEST(AcceptedEncoding, RefusesWhatIsNotAccepted) {
  EXPECT_EQ(pick(std::nullopt), std::nullopt);
  EXPECT_EQ(pick(""), std::nullopt);
  EXPECT_EQ(pick("identity"), std::nullopt);
  EXPECT_EQ(pick("br"), std::nullopt);
  EXPECT_EQ(pick("gzip;q=0, deflate;q=0"), std::nullopt);
  EXPECT_EQ(pick("*;q=0"), std::nullopt);
  // A weight that does not parse refuses that coding rather than guessing.
  EXPECT_EQ(pick("gzip;q=high"), std::nullopt);
  EXPECT_EQ(pick("gzip;q=2, deflate"), "deflate");
  EXPECT_EQ(pick(",,gzip ,"), "gzip");
}

TEST(Compress, GzipAndDeflateRoundTrip) {
  std::string body;
  for (int i = 0; i < 2000; ++i) body += "42[\"public_message\",{\"n\":" + std::to_string(i) + "}]";
  const auto gz = compress(body, "gzip");
  ASSERT_GE(gz.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);  // the gzip magic
  EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
  EXPECT_LT(gz.size(), body.size() / 4);
  EXPECT_EQ(inflate_all(gz, 15 + 16), body);
  const auto zl = compress(body, "deflate");
  EXPECT_EQ(inflate_all(zl, 15), body);  // the zlib format, as HTTP's deflate is
  EXPECT_EQ(inflate_all(compress("", "gzip"), 15 + 16), "");
  EXPECT_THROW(compress(body, "br"), std::invalid_argument);
}

}  // namespace
}  // namespace chatd::http
