#pragma once
// An Azure Storage account from a connection string, as the Azure SDKs read it:
//   DefaultEndpointsProtocol=https;AccountName=acc;AccountKey=<base64>;EndpointSuffix=core.windows.net
//   ...;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;   (Azurite, custom domains)
//   UseDevelopmentStorage=true                                   (Azurite's well-known account)
#include <string>
#include <string_view>

namespace chatd::blob {

struct AzureAccount {
  std::string name;
  std::string key;       // decoded AccountKey bytes
  std::string endpoint;  // blob service URL without a trailing slash
};

// Throws std::invalid_argument naming what is wrong (never echoing the key).
AzureAccount parse_connection_string(std::string_view text);

// Container names: 3 to 63 of a-z, 0-9 and single inner hyphens.
bool valid_container_name(std::string_view name);

}  // namespace chatd::blob
