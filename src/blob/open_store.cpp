#include "blob/open_store.hpp"

#include <spdlog/spdlog.h>

#include "blob/azure_store.hpp"
#include "blob/local_store.hpp"

namespace chatd::blob {

std::unique_ptr<BlobStore> open_blob_store(const StoreSettings& s, core::BlockingPool& pool) {
  if (s.blob_store.starts_with("local:")) {
    auto store = std::make_unique<LocalBlobStore>(s.blob_store.substr(6), pool);
    spdlog::info("blob store: local folder {}", store->dir().string());
    return store;
  }
  if (s.blob_store != "azure")
    throw std::invalid_argument("BLOB_STORE: expected local:<folder> or azure");
  if (!s.azure_connection_string)
    throw std::invalid_argument("AZURE_STORAGE_CONNECTION_STRING: required when BLOB_STORE=azure");
  if (!s.azure_container)
    throw std::invalid_argument("AZURE_CONTAINER_NAME: required when BLOB_STORE=azure");
  AzureOptions options;
  options.link_ttl = s.link_ttl;
  auto store = std::make_unique<AzureBlobStore>(parse_connection_string(*s.azure_connection_string),
                                                *s.azure_container, options, pool);
  try {
    store->ensure_container();
  } catch (const std::exception& e) {
    spdlog::warn("blob store: {} (uploads will try again)", e.what());
  }
  spdlog::info("blob store: azure {}/{}", store->client().account().endpoint, *s.azure_container);
  return store;
}

}  // namespace chatd::blob
