#include "blob/azure_sign.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include "core/base64.hpp"
#include "core/percent_encoding.hpp"
#include "core/text.hpp"

namespace chatd::blob {
namespace {

std::string_view find(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

}  // namespace

std::string hmac_sha256_base64(std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len))
    throw std::runtime_error("HMAC-SHA256 failed");
  return core::base64_encode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

std::string shared_key_authorization(const AzureAccount& account, std::string_view method,
                                     std::string_view path, const HeaderList& query,
                                     const HeaderList& headers) {
  std::string sts(method);
  sts += '\n';
  for (const char* name :
       {"content-encoding", "content-language", "content-length", "content-md5", "content-type",
        "date", "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range"}) {
    auto value = find(headers, name);
    // Since version 2015-02-21 a zero length is signed as an empty string.
    if (std::string_view(name) == "content-length" && value == "0") value = {};
    sts += value;
    sts += '\n';
  }
  HeaderList ms;
  for (const auto& [k, v] : headers)
    if (k.starts_with("x-ms-")) ms.emplace_back(k, std::string(core::trim_ows(v)));
  std::sort(ms.begin(), ms.end());
  for (const auto& [k, v] : ms) sts += k + ":" + v + "\n";
  sts += "/" + account.name + std::string(path);
  HeaderList q = query;
  for (auto& [k, v] : q) k = core::to_lower(k);
  std::sort(q.begin(), q.end());
  for (const auto& [k, v] : q) sts += "\n" + k + ":" + v;
  return "SharedKey " + account.name + ":" + hmac_sha256_base64(account.key, sts);
}

std::string sas_time(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {
// A link served over https is signed for https only; Azurite and other http endpoints cannot be.
std::string_view sas_protocol(const AzureAccount& account) {
  return account.endpoint.starts_with("https://") ? "https" : "";
}
}  // namespace

std::string blob_sas_signature(const AzureAccount& account, std::string_view container,
                               std::string_view blob, std::string_view expiry,
                               std::string_view version) {
  // Field order of the service SAS string-to-sign, version 2020-12-06 and later.
  std::string sts;
  sts += "r\n";                       // signedPermissions
  sts += "\n";                        // signedStart
  sts += std::string(expiry) + "\n";  // signedExpiry
  sts += "/blob/" + account.name + "/" + std::string(container) + "/" + std::string(blob) + "\n";
  sts += "\n";                                       // signedIdentifier
  sts += "\n";                                       // signedIP
  sts += std::string(sas_protocol(account)) + "\n";  // signedProtocol
  sts += std::string(version) + "\n";                // signedVersion
  sts += "b\n";                                      // signedResource
  sts += "\n";                                       // signedSnapshotTime
  sts += "\n";                                       // signedEncryptionScope
  sts += "\n\n\n\n";                                 // rscc rscd rsce rscl
  // rsct: empty, the last field
  return hmac_sha256_base64(account.key, sts);
}

std::string blob_sas_query(const AzureAccount& account, std::string_view container,
                           std::string_view blob, std::int64_t expiry_unix_seconds) {
  const auto expiry = sas_time(expiry_unix_seconds);
  std::string q =
      "sv=" + std::string(kAzureApiVersion) + "&se=" + core::percent_encode(expiry) + "&sr=b&sp=r";
  if (const auto proto = sas_protocol(account); !proto.empty()) q += "&spr=" + std::string(proto);
  q += "&sig=" + core::percent_encode(blob_sas_signature(account, container, blob, expiry));
  return q;
}

}  // namespace chatd::blob
