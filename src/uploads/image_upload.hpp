#pragma once
// Receives a multipart/form-data upload with one image in the field "file": the body streams
// from the socket through the multipart parser into a new blob, the type is decided by the
// first bytes and the pixel size read from the header as they pass. Small text fields
// (e.g. recipientId) are collected for the caller.
#include <boost/asio/awaitable.hpp>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "blob/blob_store.hpp"
#include "http/body_reader.hpp"
#include "http/message.hpp"

namespace chatd::uploads {

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
                                                    http::BodyReader& body, blob::BlobStore& store,
                                                    std::size_t max_file_bytes);

// Image uploads into one store, for the routes that take them (avatars, send-image): they see
// this, never the store.
class ImageUploads {
 public:
  ImageUploads(blob::BlobStore& store, std::size_t max_file_bytes)
      : store_(store), max_file_bytes_(max_file_bytes) {}

  // receive_image into the store, with the configured limit.
  boost::asio::awaitable<ReceivedImage> receive(const http::Request& request,
                                                http::BodyReader& body) {
    return receive_image(request, body, store_, max_file_bytes_);
  }
  // Deletes a stored image that turned out unused; see BlobStore::remove (never throws).
  boost::asio::awaitable<void> remove(std::string key) { return store_.remove(std::move(key)); }

  // Runs use(), the coroutine that puts the image under key to use (names it in a profile,
  // stores a message), and returns its result. When it throws, the image is deleted again, since
  // nothing names it, and the exception goes on to the caller; unless may_be_named(exception)
  // says that the failure leaves open whether something names it now (a write whose outcome is
  // unknown): an unused image is better than a stored name without its image.
  template <typename Use>
  auto use_or_remove(std::string key, Use use,
                     std::function<bool(const std::exception&)> may_be_named = {})
      -> decltype(use()) {
    using Result = typename decltype(use())::value_type;
    std::optional<Result> result;
    std::exception_ptr failure;
    bool keep = false;
    try {
      auto op = use();
      result.emplace(co_await std::move(op));
    } catch (const std::exception& e) {
      failure = std::current_exception();
      keep = may_be_named && may_be_named(e);
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) {
      if (!keep) co_await remove(std::move(key));  // co_await is not allowed inside a handler
      std::rethrow_exception(failure);
    }
    co_return std::move(*result);
  }

 private:
  blob::BlobStore& store_;
  std::size_t max_file_bytes_;
};

}  // namespace chatd::uploads
