#pragma once
// Azure Storage request signing, as pure functions (no clock, no network) so that tests can
// check them against known answers: SharedKey for REST calls, service SAS for read links.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "blob/azure_account.hpp"

namespace chatd::blob {

inline constexpr const char* kAzureApiVersion = "2021-12-02";

std::string hmac_sha256_base64(std::string_view key, std::string_view message);

using HeaderList = std::vector<std::pair<std::string, std::string>>;  // names lower-cased

// The SharedKey Authorization header value for a request. path: the URL path as sent
// (e.g. "/devstoreaccount1/chat/name.png" for Azurite, "/chat/name.png" for Azure); query:
// decoded parameters; headers: every header sent (standard and x-ms-*), names lower-cased.
std::string shared_key_authorization(const AzureAccount& account, std::string_view method,
                                     std::string_view path, const HeaderList& query,
                                     const HeaderList& headers);

// ISO 8601 without fractions, the SAS time format: 2024-01-02T03:04:05Z
std::string sas_time(std::int64_t unix_seconds);
// The signature of a read-only blob SAS (sr=b, sp=r) expiring at `expiry` (sas_time format).
std::string blob_sas_signature(const AzureAccount& account, std::string_view container,
                               std::string_view blob, std::string_view expiry,
                               std::string_view version = kAzureApiVersion);
// "sv=...&se=...&sr=b&sp=r&sig=..." for that SAS, values URL-encoded.
std::string blob_sas_query(const AzureAccount& account, std::string_view container,
                           std::string_view blob, std::int64_t expiry_unix_seconds);

}  // namespace chatd::blob
