#pragma once
// The few Blob service REST operations chatd needs, over libcurl with SharedKey authorization.
// Every call blocks: run them on the blocking pool, never on an I/O thread.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "blob/azure_account.hpp"
#include "blob/azure_sign.hpp"

namespace chatd::blob {

class AzureError : public std::runtime_error {
 public:
  AzureError(const std::string& what, long status) : std::runtime_error(what), status_(status) {}
  long status() const { return status_; }  // 0 when no HTTP answer came

 private:
  long status_;
};

struct BlobProperties {
  std::string content_type;
  std::string cache_control;
};

class AzureClient {
 public:
  AzureClient(AzureAccount account, std::string container);

  const AzureAccount& account() const { return account_; }
  const std::string& container() const { return container_; }
  // "<endpoint>/<container>/<name>"
  std::string blob_url(std::string_view name) const;

  // Create Container; an existing container (409) is fine.
  void create_container();
  // Put Blob (one request, for small blobs).
  void put_blob(std::string_view name, std::string_view data, const BlobProperties& props);
  // Put Block: block ids of one blob must all have the same length.
  void put_block(std::string_view name, std::string_view block_id, std::string_view data);
  // Put Block List: commits the blocks, in order, as the blob's content.
  void put_block_list(std::string_view name, const std::vector<std::string>& block_ids,
                      const BlobProperties& props);
  // Delete Blob; a missing blob (404) is fine.
  void delete_blob(std::string_view name);
  // Get Blob Properties (HEAD): true on 200, false on 404; throws AzureError on anything else.
  bool blob_exists(std::string_view name);

 private:
  struct Reply {
    long status = 0;
    std::string body;
  };
  // One signed request; path_suffix is appended to "/<container>". Retries transport errors
  // and 5xx/429 answers a few times (every operation here is idempotent).
  Reply send(const char* method, std::string_view path_suffix, const HeaderList& query,
             HeaderList headers, std::string_view body) const;
  Reply send_once(const char* method, const std::string& url, const HeaderList& headers,
                  std::string_view body) const;

  AzureAccount account_;
  std::string container_;
  std::string base_path_;  // the endpoint's own path ("/devstoreaccount1" on Azurite, or "")
};

}  // namespace chatd::blob
