#include "blob/azure_client.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <thread>

#include "core/percent_encoding.hpp"

namespace chatd::blob {
namespace {

constexpr std::size_t kMaxReplyBody = 64 * 1024;  // error documents are small
constexpr int kAttempts = 3;

// curl_global_init is not thread-safe: run it once, from the first client's constructor
// (made at start-up, before any I/O thread runs).
void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One easy handle per blocking-pool thread: curl_easy_reset keeps its connection cache, so
// calls to the same account reuse TCP and TLS sessions.
struct Easy {
  CURL* handle = curl_easy_init();
  ~Easy() { curl_easy_cleanup(handle); }
};

struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t read_body(char* out, std::size_t size, std::size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const auto n = std::min(size * count, up->data.size() - up->offset);
  std::memcpy(out, up->data.data() + up->offset, n);
  up->offset += n;
  return n;
}

std::size_t write_body(char* in, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const auto n = size * count;
  if (body->size() < kMaxReplyBody) body->append(in, std::min(n, kMaxReplyBody - body->size()));
  return n;
}

struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::string http_date() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

// The <Code> of an Azure error document, for log lines.
std::string error_code(const std::string& body) {
  const auto start = body.find("<Code>");
  const auto end = body.find("</Code>");
  if (start == std::string::npos || end == std::string::npos || end < start) return "";
  return body.substr(start + 6, end - start - 6);
}

bool retryable(long status) {
  return status == 0 || status == 408 || status == 429 || status >= 500;
}

}  // namespace

AzureClient::AzureClient(AzureAccount account, std::string container)
    : account_(std::move(account)), container_(std::move(container)) {
  global_init();
  const auto scheme_end = account_.endpoint.find("://");
  const auto slash = account_.endpoint.find('/', scheme_end + 3);
  if (slash != std::string::npos) base_path_ = account_.endpoint.substr(slash);
}

std::string AzureClient::blob_url(std::string_view name) const {
  return account_.endpoint + "/" + container_ + "/" + std::string(name);
}

AzureClient::Reply AzureClient::send_once(const char* method, const std::string& url,
                                          const HeaderList& headers, std::string_view body) const {
  thread_local Easy easy;
  if (!easy.handle) throw AzureError("curl_easy_init failed", 0);
  CURL* h = easy.handle;
  curl_easy_reset(h);
  std::unique_ptr<curl_slist, SlistFree> list;
  for (const auto& [k, v] : headers) {
    if (k == "content-length") continue;  // curl sends it from CURLOPT_INFILESIZE_LARGE
    const auto line = k + ": " + v;
    list.reset(curl_slist_append(list.release(), line.c_str()));
  }
  list.reset(curl_slist_append(list.release(), "Expect:"));  // no 100-continue round trip
  Upload up{body};
  Reply reply;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  // A body of up to 4 MiB may need minutes on a slow link; a bodiless request (HEAD, DELETE)
  // that takes this long is hung, and send_image waits on its HEAD inside the sender's turn.
  curl_easy_setopt(h, CURLOPT_TIMEOUT, body.empty() ? 10L : 120L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
  if (std::string_view(method) == "PUT") {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else if (std::string_view(method) == "HEAD") {
    // Not CUSTOMREQUEST: curl would then wait for the Content-Length bytes HEAD never sends.
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
  }
  const auto rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    reply.status = 0;
    reply.body = curl_easy_strerror(rc);
    return reply;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

AzureClient::Reply AzureClient::send(const char* method, std::string_view path_suffix,
                                     const HeaderList& query, HeaderList headers,
                                     std::string_view body) const {
  const std::string path = base_path_ + "/" + container_ + std::string(path_suffix);
  std::string url = account_.endpoint + "/" + container_ + std::string(path_suffix);
  char sep = '?';
  for (const auto& [k, v] : query) {
    url += sep + core::percent_encode(k) + "=" + core::percent_encode(v);
    sep = '&';
  }
  headers.emplace_back("x-ms-version", kAzureApiVersion);
  headers.emplace_back("content-length", std::to_string(body.size()));
  Reply reply;
  for (int attempt = 1;; ++attempt) {
    // Signed per attempt: x-ms-date must be fresh.
    HeaderList signed_headers = headers;
    signed_headers.emplace_back("x-ms-date", http_date());
    signed_headers.emplace_back(
        "authorization", shared_key_authorization(account_, method, path, query, signed_headers));
    reply = send_once(method, url, signed_headers, body);
    if (!retryable(reply.status) || attempt == kAttempts) break;
    spdlog::warn("azure: {} {} answered {} ({}); retrying", method, path, reply.status,
                 reply.status ? error_code(reply.body) : reply.body);
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt * attempt));
  }
  return reply;
}

namespace {
[[noreturn]] void fail(const char* op, std::string_view name, long status,
                       const std::string& body) {
  std::string what = std::string("azure: ") + op + " " + std::string(name) + " failed: ";
  what += status ? "HTTP " + std::to_string(status) + " " + error_code(body) : body;
  throw AzureError(what, status);
}

HeaderList property_headers(const BlobProperties& props) {
  HeaderList h;
  if (!props.content_type.empty()) h.emplace_back("x-ms-blob-content-type", props.content_type);
  if (!props.cache_control.empty()) h.emplace_back("x-ms-blob-cache-control", props.cache_control);
  return h;
}
}  // namespace

void AzureClient::create_container() {
  const auto r = send("PUT", "", {{"restype", "container"}}, {}, {});
  if (r.status != 201 && r.status != 409) fail("Create Container", container_, r.status, r.body);
}

void AzureClient::put_blob(std::string_view name, std::string_view data,
                           const BlobProperties& props) {
  auto headers = property_headers(props);
  headers.emplace_back("x-ms-blob-type", "BlockBlob");
  const auto r = send("PUT", "/" + std::string(name), {}, std::move(headers), data);
  if (r.status != 201) fail("Put Blob", name, r.status, r.body);
}

void AzureClient::put_block(std::string_view name, std::string_view block_id,
                            std::string_view data) {
  const HeaderList query{{"comp", "block"}, {"blockid", std::string(block_id)}};
  const auto r = send("PUT", "/" + std::string(name), query, {}, data);
  if (r.status != 201) fail("Put Block", name, r.status, r.body);
}

void AzureClient::put_block_list(std::string_view name, const std::vector<std::string>& block_ids,
                                 const BlobProperties& props) {
  std::string xml = R"(<?xml version="1.0" encoding="utf-8"?><BlockList>)";
  for (const auto& id : block_ids) xml += "<Latest>" + id + "</Latest>";
  xml += "</BlockList>";
  const auto r =
      send("PUT", "/" + std::string(name), {{"comp", "blocklist"}}, property_headers(props), xml);
  if (r.status != 201) fail("Put Block List", name, r.status, r.body);
}

void AzureClient::delete_blob(std::string_view name) {
  const auto r = send("DELETE", "/" + std::string(name), {}, {}, {});
  if (r.status != 202 && r.status != 404) fail("Delete Blob", name, r.status, r.body);
}

bool AzureClient::blob_exists(std::string_view name) {
  const auto r = send("HEAD", "/" + std::string(name), {}, {}, {});
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  // A HEAD answer has no body: the error code is in x-ms-error-code, the status says enough.
  fail("Get Blob Properties", name, r.status, r.body);
}

}  // namespace chatd::blob
