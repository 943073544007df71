#include "blob/blob_store.hpp"

#include "blob/blob_name.hpp"

namespace chatd::blob {

std::optional<IssuedImage> resolve_issued_url(const BlobStore& store, std::string_view url) {
  auto key = store.key_of(url);
  if (!key) return std::nullopt;
  const auto name = parse_blob_name(*key);
  if (!name) return std::nullopt;
  return IssuedImage{std::move(*key), name->width, name->height};
}

}  // namespace chatd::blob
