#pragma once
// Names of stored images: "<24 random base64url characters>[.<width>x<height>].<extension>",
// e.g. "q3J8...Zk.640x480.png". chatd alone chooses them: 144 random bits make them
// unguessable, the extension comes from the sniffed type, and the pixel size rides along so
// that a URL sent back over a socket carries everything a message needs without a look-up.
// Anything not matching this pattern is never used as a file or blob name.
#include <optional>
#include <string>
#include <string_view>

#include "blob/image_probe.hpp"

namespace chatd::blob {

struct BlobName {
  ImageType type = ImageType::kPng;
  std::optional<int> width, height;
};

std::string make_blob_name(ImageType type, std::optional<int> width, std::optional<int> height);
std::optional<BlobName> parse_blob_name(std::string_view name);

}  // namespace chatd::blob
