#pragma once
// The default store: a folder on disk, served back by chatd at /uploads/<name> (the route is
// uploads/file_routes.hpp). An upload is
// written to a hidden temporary file (a name the pattern rejects, so it is never served) and
// renamed into place on commit, so a half-written file is never visible.
#include <filesystem>

#include "blob/blob_store.hpp"
#include "core/blocking_pool.hpp"

namespace chatd::blob {

class LocalBlobStore final : public BlobStore {
 public:
  // Creates the folder if needed and removes temporary files left by a crash.
  LocalBlobStore(std::filesystem::path dir, core::BlockingPool& pool);

  std::string_view kind() const override { return "local"; }
  std::unique_ptr<BlobUpload> begin(const std::string& key, std::string content_type) override;
  boost::asio::awaitable<void> remove(std::string key) override;
  // A stat on the blocking pool: a regular file under the name.
  boost::asio::awaitable<bool> exists(std::string key) override;
  std::string link(const std::string& key) const override { return "/uploads/" + key; }
  // "/uploads/<name>", optionally after "http(s)://<host>"; whether the file exists is
  // exists()'s question, asked off the I/O thread.
  std::optional<std::string> key_of(std::string_view url) const override;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  core::BlockingPool& pool_;
};

}  // namespace chatd::blob
