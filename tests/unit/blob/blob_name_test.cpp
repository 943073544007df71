#include "blob/blob_name.hpp"

#include <gtest/gtest.h>

#include <vector>

#include <set>

namespace chatd::blob {
namespace {

TEST(BlobName, RoundTripsTypeAndSize) {
  const auto name = make_blob_name(ImageType::kPng, 640, 480);
  EXPECT_EQ(name.size(), 24 + std::string(".640x480.png").size());
  EXPECT_TRUE(name.ends_with(".640x480.png"));
  const auto parsed = parse_blob_name(name);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->type, ImageType::kPng);
  EXPECT_EQ(parsed->width, 640);
  EXPECT_EQ(parsed->height, 480);

  const auto bare = make_blob_name(ImageType::kJpeg, std::nullopt, std::nullopt);
  EXPECT_TRUE(bare.ends_with(".jpg"));
  const auto p2 = parse_blob_name(bare);
  ASSERT_TRUE(p2);
  EXPECT_EQ(p2->type, ImageType::kJpeg);
  EXPECT_FALSE(p2->width);
}

TEST(BlobName, EveryNameMadeParsesBack) {
  // A size the name cannot carry is left out rather than making a name that is refused later.
  for (int side : {1, 99'999, kMaxImageSide, kMaxImageSide + 1, 1'000'000'000}) {
    const auto name = make_blob_name(ImageType::kPng, side, 7);
    const auto parsed = parse_blob_name(name);
    ASSERT_TRUE(parsed) << name;
    EXPECT_EQ(parsed->width.has_value(), side <= kMaxImageSide) << name;
  }
}

TEST(BlobName, IsRandom) {
  std::set<std::string> names;
  for (int i = 0; i < 1000; ++i) names.insert(make_blob_name(ImageType::kGif, 1, 1));
  EXPECT_EQ(names.size(), 1000u);
}

TEST(BlobName, RejectsEverythingElse) {
  const std::string r24 = "AAAAAAAAAAAAAAAAAAAAAAAA";
  EXPECT_TRUE(parse_blob_name(r24 + ".webp"));
  for (const std::string& bad : std::vector<std::string>{
           std::string(""), r24, r24 + ".exe", r24 + ".PNG", r24 + "/.png", "../" + r24 + ".png",
           r24.substr(1) + ".png", r24 + "A.png", r24 + ".0x1.png", r24 + ".1x.png",
           r24 + ".x1.png", r24 + ".1x1.1x1.png", r24 + ".12345678901x1.png", r24 + ".png/../x.png",
           "AAAAAAAAAAAAAAAAAAAAAA.." + std::string(".png"), r24 + ".png\n", r24 + ".png%00",
           "AAAAAAAAAAAAAAAAAAAAAAA/.png", r24 + ".png?x=1"})
    EXPECT_FALSE(parse_blob_name(bad)) << bad;
}

}  // namespace
}  // namespace chatd::blob
