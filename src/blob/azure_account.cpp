#include "blob/azure_account.hpp"

#include <map>
#include <stdexcept>

#include "blob/azure_sign.hpp"
#include "core/base64.hpp"
#include "core/text.hpp"

namespace chatd::blob {
namespace {

constexpr const char* kVariable = "AZURE_STORAGE_CONNECTION_STRING: ";
// Azurite's documented development account (public, not a secret).
constexpr const char* kDevAccount = "devstoreaccount1";
constexpr const char* kDevKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

}  // namespace

AzureAccount parse_connection_string(std::string_view text) {
  std::map<std::string, std::string> fields;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    const auto item = core::trim_space(text.substr(pos, end - pos));
    pos = end + 1;
    if (item.empty()) continue;
    const auto eq = item.find('=');  // the first '=': keys end in base64 padding
    if (eq == std::string_view::npos)
      throw std::invalid_argument(std::string(kVariable) +
                                  "expected Key=Value pairs separated by ';'");
    fields[core::to_lower(core::trim_space(item.substr(0, eq)))] =
        std::string(core::trim_space(item.substr(eq + 1)));
  }
  AzureAccount a;
  if (auto it = fields.find("usedevelopmentstorage");
      it != fields.end() && core::to_lower(it->second) == "true") {
    a.name = kDevAccount;
    a.key = core::base64_decode(kDevKey).value();
    a.endpoint = std::string("http://127.0.0.1:10000/") + kDevAccount;
    return a;
  }
  const auto get = [&](const char* key) -> std::string {
    auto it = fields.find(key);
    return it == fields.end() ? std::string() : it->second;
  };
  a.name = get("accountname");
  if (a.name.empty())
    throw std::invalid_argument(std::string(kVariable) + "AccountName is missing");
  const auto key = get("accountkey");
  if (key.empty())
    throw std::invalid_argument(std::string(kVariable) +
                                "AccountKey is missing (SharedKey authorization needs it)");
  auto decoded = core::base64_decode(key);
  if (!decoded)
    throw std::invalid_argument(std::string(kVariable) + "AccountKey is not valid base64");
  a.key = std::move(*decoded);
  a.endpoint = get("blobendpoint");
  if (a.endpoint.empty()) {
    auto protocol = core::to_lower(get("defaultendpointsprotocol"));
    if (protocol.empty()) protocol = "https";
    auto suffix = get("endpointsuffix");
    if (suffix.empty()) suffix = "core.windows.net";
    a.endpoint = protocol + "://" + a.name + ".blob." + suffix;
  }
  while (a.endpoint.ends_with('/')) a.endpoint.pop_back();
  const auto scheme = core::to_lower(a.endpoint.substr(0, a.endpoint.find(':')));
  if ((scheme != "http" && scheme != "https") || a.endpoint.find("://") == std::string::npos)
    throw std::invalid_argument(std::string(kVariable) +
                                "the blob endpoint must be an http(s) URL");
  return a;
}

bool valid_container_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  if (name.front() == '-' || name.back() == '-') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '-') {
      if (name[i - 1] == '-') return false;
    } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

}  // namespace chatd::blob
