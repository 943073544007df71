#include "blob/azure_store.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "blob/blob_name.hpp"
#include "core/base64.hpp"

namespace chatd::blob {
using boost::asio::awaitable;

namespace {

// Blobs never change under their name, so any cache may keep them for good.
constexpr const char* kCacheControl = "public, max-age=31536000, immutable";

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i] == '+' ? ' ' : s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    unsigned v = 0;
    for (int k = 1; k <= 2; ++k) {
      const char c = s[i + k];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<unsigned>(c - 'A' + 10);
      else
        return std::nullopt;
    }
    out += static_cast<char>(v);
    i += 2;
  }
  return out;
}

class AzureUpload final : public BlobUpload {
 public:
  AzureUpload(AzureBlobStore& store, core::BlockingPool& pool, std::string key,
              std::string content_type)
      : store_(store), pool_(pool), key_(std::move(key)) {
    props_.content_type = std::move(content_type);
    props_.cache_control = kCacheControl;
  }

  awaitable<void> write(std::string_view bytes) override {
    // The buffer never grows past one block: memory per upload is the block size.
    const auto block = store_.options().block_bytes;
    if (buffer_.capacity() < block) buffer_.reserve(block);
    while (!bytes.empty()) {
      const auto n = std::min(bytes.size(), block - buffer_.size());
      buffer_.append(bytes.substr(0, n));
      bytes.remove_prefix(n);
      if (buffer_.size() < block) break;
      // Block ids of one blob must have equal lengths: base64 of a six-digit index.
      auto id = next_block_id();
      auto job = [this, id] {
        ensure_container();
        store_.client().put_block(key_, id, buffer_);
      };
      co_await pool_.run(std::move(job));
      block_ids_.push_back(std::move(id));
      buffer_.clear();
    }
  }

  awaitable<void> commit() override {
    commit_started_ = true;
    auto job = [this] {
      ensure_container();
      auto& client = store_.client();
      if (block_ids_.empty()) {
        client.put_blob(key_, buffer_, props_);
        return;
      }
      if (!buffer_.empty()) {
        auto id = next_block_id();
        client.put_block(key_, id, buffer_);
        block_ids_.push_back(std::move(id));
      }
      client.put_block_list(key_, block_ids_, props_);
    };
    co_await pool_.run(std::move(job));
    buffer_.clear();
    buffer_.shrink_to_fit();
  }

  awaitable<void> abort() override {
    buffer_.clear();
    buffer_.shrink_to_fit();
    // Blocks never committed are discarded by the service itself (after a week); only a
    // committed (or possibly committed) blob needs deleting.
    if (!commit_started_) co_return;
    std::string key = key_;
    co_await store_.remove(std::move(key));
  }

 private:
  std::string next_block_id() const {
    char index[8];
    std::snprintf(index, sizeof index, "%06zu", block_ids_.size());
    return core::base64_encode(index);
  }

  void ensure_container() {
    if (store_.container_ready()) return;
    store_.client().create_container();
    store_.set_container_ready();
  }

  AzureBlobStore& store_;
  core::BlockingPool& pool_;
  std::string key_;
  BlobProperties props_;
  std::string buffer_;
  std::vector<std::string> block_ids_;
  bool commit_started_ = false;
};

}  // namespace

AzureBlobStore::AzureBlobStore(AzureAccount account, std::string container, AzureOptions options,
                               core::BlockingPool& pool)
    : client_(std::move(account), container), options_(options), pool_(pool) {
  if (!valid_container_name(container))
    throw std::invalid_argument(
        "AZURE_CONTAINER_NAME: expected 3 to 63 lower-case letters, digits and single hyphens");
  if (options_.block_bytes == 0) options_.block_bytes = 4 * 1024 * 1024;
}

void AzureBlobStore::ensure_container() {
  client_.create_container();
  container_ready_ = true;
}

std::unique_ptr<BlobUpload> AzureBlobStore::begin(const std::string& key,
                                                  std::string content_type) {
  if (!parse_blob_name(key)) throw std::invalid_argument("not a blob name: " + key);
  return std::make_unique<AzureUpload>(*this, pool_, key, std::move(content_type));
}

awaitable<void> AzureBlobStore::remove(std::string key) {
  if (!parse_blob_name(key)) co_return;
  auto job = [this, key] {
    try {
      client_.delete_blob(key);
    } catch (const std::exception& e) {
      spdlog::warn("blob: {}", e.what());
    }
  };
  co_await pool_.run(std::move(job));
}

awaitable<bool> AzureBlobStore::exists(std::string key) {
  if (!parse_blob_name(key)) co_return false;
  auto job = [this, key] { return client_.blob_exists(key); };
  co_return co_await pool_.run(std::move(job));
}

std::string AzureBlobStore::link(const std::string& key) const {
  // The expiry is rounded up to a step of an eighth of the lifetime (1 s to 5 min), so links
  // made moments apart are identical and browsers can cache the image; each link still lives
  // at least link_ttl.
  const std::int64_t ttl = options_.link_ttl.count();
  const std::int64_t step = std::clamp<std::int64_t>(ttl / 8, 1, 300);
  const std::int64_t expiry = (std::time(nullptr) + ttl + step - 1) / step * step;
  return client_.blob_url(key) + "?" +
         blob_sas_query(client_.account(), client_.container(), key, expiry);
}

std::optional<std::string> AzureBlobStore::key_of(std::string_view url) const {
  const auto prefix = client_.blob_url("");
  if (!url.starts_with(prefix)) return std::nullopt;
  url.remove_prefix(prefix.size());
  const auto q = url.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  const auto name = url.substr(0, q);
  if (!parse_blob_name(name)) return std::nullopt;
  std::optional<std::string> sv, se, sr, sp, spr, sig;
  for (auto query = url.substr(q + 1); !query.empty();) {
    const auto amp = query.find('&');
    const auto item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const auto key = item.substr(0, eq);
    auto value = percent_decode(item.substr(eq + 1));
    if (!value) return std::nullopt;
    std::optional<std::string>* slot = key == "sv"    ? &sv
                                       : key == "se"  ? &se
                                       : key == "sr"  ? &sr
                                       : key == "sp"  ? &sp
                                       : key == "spr" ? &spr
                                       : key == "sig" ? &sig
                                                      : nullptr;
    // Only the exact form link() makes: anything else was not signed by chatd.
    if (!slot || *slot) return std::nullopt;
    *slot = std::move(value);
  }
  const bool https = client_.account().endpoint.starts_with("https://");
  if (!sv || *sv != kAzureApiVersion || !se || sr != "b" || sp != "r" || !sig) return std::nullopt;
  if (https ? spr != "https" : spr.has_value()) return std::nullopt;
  const auto expected = blob_sas_signature(client_.account(), client_.container(), name, *se);
  if (expected.size() != sig->size() ||
      CRYPTO_memcmp(expected.data(), sig->data(), expected.size()) != 0)
    return std::nullopt;
  return std::string(name);
}

}  // namespace chatd::blob
