#include "blob/image_probe.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "test_images.hpp"

namespace chatd::blob {
namespace {

struct Probed {
  std::optional<ImageType> type;
  std::optional<int> w, h;
};

// Feeds in pieces of `piece` bytes, as the network would deliver them.
Probed probe(const std::string& bytes, std::size_t piece) {
  ImageProbe p;
  for (std::size_t i = 0; i < bytes.size(); i += piece)
    p.feed(std::string_view(bytes).substr(i, piece));
  p.finish();
  return {p.type(), p.width(), p.height()};
}

void expect_image(const std::string& bytes, ImageType type, int w, int h) {
  for (std::size_t piece : {1, 3, 7, 64, 100000}) {
    const auto r = probe(bytes, piece);
    ASSERT_TRUE(r.type) << "piece " << piece;
    EXPECT_EQ(*r.type, type) << "piece " << piece;
    EXPECT_EQ(r.w, w) << "piece " << piece;
    EXPECT_EQ(r.h, h) << "piece " << piece;
  }
}

TEST(ImageProbe, ReadsPng) {
  expect_image(test::png(640, 480), ImageType::kPng, 640, 480);
}
TEST(ImageProbe, ReadsGif) {
  expect_image(test::gif(32, 17), ImageType::kGif, 32, 17);
}
TEST(ImageProbe, ReadsJpegAfterLargeMetadata) {
  expect_image(test::jpeg(1920, 1080, 60000), ImageType::kJpeg, 1920, 1080);
  expect_image(test::jpeg(3, 5, 0, true), ImageType::kJpeg, 3, 5);
}
TEST(ImageProbe, ReadsWebpVariants) {
  expect_image(test::webp_vp8x(4000, 3000), ImageType::kWebp, 4000, 3000);
  expect_image(test::webp_vp8l(123, 456), ImageType::kWebp, 123, 456);
  expect_image(test::webp_vp8(300, 200), ImageType::kWebp, 300, 200);
}

TEST(ImageProbe, RefusesWhatIsNotAnImage) {
  for (const std::string& s :
       std::vector<std::string>{std::string("hello, this is text, not a picture"), std::string(),
                                std::string("GIF8"), std::string("RIFF\x10\0\0\0WAVEfmt ", 16),
                                std::string("<svg xmlns='http://www.w3.org/2000/svg'/>")}) {
    EXPECT_FALSE(probe(s, 1).type) << s;
    EXPECT_FALSE(probe(s, 1000).type) << s;
  }
}

TEST(ImageProbe, DecidesTheTypeEarly) {
  ImageProbe p;
  p.feed("not an image at all");
  EXPECT_TRUE(p.type_decided());
  EXPECT_FALSE(p.type());
  ImageProbe q;
  q.feed(test::png(1, 1).substr(0, 12));
  EXPECT_TRUE(q.type_decided());
  EXPECT_EQ(q.type(), ImageType::kPng);
  EXPECT_FALSE(q.settled());
}

TEST(ImageProbe, FlagsASideOverTheLimit) {
  for (const auto& bytes : {test::png(1'000'000'000, 10), test::png(10, kMaxImageSide + 1),
                            test::webp_vp8x(kMaxImageSide + 1, 5)}) {
    ImageProbe p;
    p.feed(bytes);
    p.finish();
    EXPECT_TRUE(p.type());
    EXPECT_TRUE(p.oversized());
    EXPECT_FALSE(p.width());
  }
  ImageProbe at_limit;
  at_limit.feed(test::png(kMaxImageSide, kMaxImageSide));
  at_limit.finish();
  EXPECT_FALSE(at_limit.oversized());
  EXPECT_EQ(at_limit.width(), kMaxImageSide);
}

TEST(ImageProbe, KeepsTheTypeWhenTheSizeIsUnreadable) {
  // A JPEG whose segments make no sense: still a JPEG by its magic bytes, size unknown.
  std::string broken("\xFF\xD8\xFF\xE0\x00\x01garbage", 13);
  const auto r = probe(broken, 2);
  EXPECT_EQ(r.type, ImageType::kJpeg);
  EXPECT_FALSE(r.w);
  // A PNG without its IHDR chunk.
  auto png = test::png(10, 10);
  png.replace(12, 4, "XXXX");
  EXPECT_EQ(probe(png, 5).type, ImageType::kPng);
  EXPECT_FALSE(probe(png, 5).w);
}

}  // namespace
}  // namespace chatd::blob
