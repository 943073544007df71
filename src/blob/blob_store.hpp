#pragma once
// Where uploaded images live: a local folder served by chatd, or an Azure Blob Storage
// container. Keys are names from blob_name.hpp; the database stores keys, never links, and
// links are made when a message or profile is read (for Azure they are signed then).
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error_tally.hpp"

namespace chatd::blob {

// One blob being written. Nothing is visible under the key before commit() returns.
class BlobUpload {
 public:
  virtual ~BlobUpload() = default;
  // Appends bytes; the view need only live until the call returns. Throws on storage errors.
  virtual boost::asio::awaitable<void> write(std::string_view bytes) = 0;
  virtual boost::asio::awaitable<void> commit() = 0;
  // Discards everything written, committed or not. Never throws: failures are logged.
  virtual boost::asio::awaitable<void> abort() = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  virtual std::string_view kind() const = 0;  // "local" or "azure"
  // Starts a new blob under key (a name from make_blob_name).
  virtual std::unique_ptr<BlobUpload> begin(const std::string& key, std::string content_type) = 0;
  // Deletes a blob; a missing blob or a key that is not a chatd name is ignored. Never
  // throws: a failure is logged and leaves an orphan, never a broken request.
  virtual boost::asio::awaitable<void> remove(std::string key) = 0;
  // Whether a blob is stored under key now (send_image checks an issued URL still names one:
  // replacing an avatar deletes the old blob). A missing blob, or a key that is not a chatd
  // name, is false and never throws. A storage failure (disk error, Azure unreachable or
  // answering neither found nor not found) throws: the caller refuses the request rather than
  // storing a message that may name nothing.
  virtual boost::asio::awaitable<bool> exists(std::string key) = 0;
  // A link a client reads the blob at, made now.
  virtual std::string link(const std::string& key) const = 0;
  // The key of a URL this store issued through link(), or nullopt for any other URL. Looks at
  // the URL only, never at storage: the blob may have been deleted since (see exists()).
  virtual std::optional<std::string> key_of(std::string_view url) const = 0;

  // Logs an upload that failed in storage, as a count per interval when failures repeat (a full
  // disk, or a file table at its limit, fails every upload while it lasts).
  void report_failure(std::string_view error) const { failures_.add(error); }

 private:
  mutable core::ErrorTally failures_{"upload into the image store failed"};
};

// A URL chatd issued, resolved to its key and the pixel size encoded in the name.
struct IssuedImage {
  std::string key;
  std::optional<int> width, height;
};
std::optional<IssuedImage> resolve_issued_url(const BlobStore& store, std::string_view url);

}  // namespace chatd::blob
