#pragma once
// Receives a multipart/form-data upload with one image in the field "file": the body streams
// from the socket through the multipart parser into a new blob, the type is decided by the
// first bytes and the pixel size read from the header as they pass. Small text fields
// (e.g. recipientId) are collected for the caller.
#include <boost/asio/awaitable.hpp>
#include <map>
#include <optional>
#include <string>

#include "blob/blob_store.hpp"
#include "http/body_reader.hpp"
#include "http/message.hpp"

namespace chatd::blob {

struct ReceivedImage {
  std::string key;  // committed blob: the caller removes it if it cannot use it
  std::optional<int> width, height;
  std::uint64_t bytes = 0;
  std::map<std::string, std::string, std::less<>> fields;
};

// Throws HttpError: 400 (not multipart, malformed or cut-off body, no file, a second file,
// an oversized text field), 413 (file over max_file_bytes), 415 (not a JPEG, PNG, GIF or
// WebP image, whatever its name or declared type). When it throws, nothing is left stored.
boost::asio::awaitable<ReceivedImage> receive_image(const http::Request& request,
                                                    http::BodyReader& body, BlobStore& store,
                                                    std::size_t max_file_bytes);

}  // namespace chatd::blob
