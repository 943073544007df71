#pragma once
// Builds the store BLOB_STORE names: "local:<folder>" or "azure".
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "blob/blob_store.hpp"
#include "core/blocking_pool.hpp"

namespace chatd::blob {

struct StoreSettings {
  std::string blob_store = "local:./data/uploads";
  std::optional<std::string> azure_connection_string;
  std::optional<std::string> azure_container;
  std::chrono::seconds link_ttl{3600};
};

// Throws std::invalid_argument (bad settings, naming the variable) or std::runtime_error.
// For Azure it also creates the container when missing; if the service cannot be reached it
// logs a warning and the first upload tries again.
std::unique_ptr<BlobStore> open_blob_store(const StoreSettings& settings, core::BlockingPool& pool);

}  // namespace chatd::blob
