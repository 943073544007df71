#pragma once
// Azure Blob Storage: uploads go to one container through the REST API (Put Blob when small,
// Put Block + Put Block List when large, so memory stays at one block), and read links are
// service SAS URLs signed when a message or profile is read, so a stored key never goes stale.
//
// Issued URLs are recognised by their signature: a URL is accepted back (socket send_image)
// when it points into the configured container, names a chatd blob, and carries a SAS chatd
// signed with the account key for exactly that blob. That needs no network call and no table,
// and nobody without the key can mint one. An expired link is still accepted: it proves the
// blob came from chatd, and the message stores the key, not the link.
#include <chrono>

#include "blob/azure_client.hpp"
#include "blob/blob_store.hpp"
#include "core/blocking_pool.hpp"

namespace chatd::blob {

struct AzureOptions {
  std::chrono::seconds link_ttl{3600};
  std::size_t block_bytes = 4 * 1024 * 1024;  // above this an upload goes in blocks
};

class AzureBlobStore final : public BlobStore {
 public:
  // Validates the container name (throws std::invalid_argument naming AZURE_CONTAINER_NAME).
  AzureBlobStore(AzureAccount account, std::string container, AzureOptions options,
                 core::BlockingPool& pool);

  // Creates the container if missing. Blocking: for start-up. Throws AzureError.
  void ensure_container();

  std::string_view kind() const override { return "azure"; }
  std::unique_ptr<BlobUpload> begin(const std::string& key, std::string content_type) override;
  boost::asio::awaitable<void> remove(std::string key) override;
  // Get Blob Properties on the blocking pool; throws AzureError when Azure answers neither 200
  // nor 404 (after the client's retries).
  boost::asio::awaitable<bool> exists(std::string key) override;
  std::string link(const std::string& key) const override;
  std::optional<std::string> key_of(std::string_view url) const override;

  AzureClient& client() { return client_; }
  const AzureOptions& options() const { return options_; }
  // Set once the container is known to exist; uploads create it first otherwise.
  bool container_ready() const { return container_ready_.load(); }
  void set_container_ready() { container_ready_ = true; }

 private:
  AzureClient client_;
  AzureOptions options_;
  core::BlockingPool& pool_;
  std::atomic<bool> container_ready_{false};
};

}  // namespace chatd::blob
