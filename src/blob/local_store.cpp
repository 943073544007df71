#include "blob/local_store.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

#include "blob/blob_name.hpp"

namespace chatd::blob {
namespace fs = std::filesystem;
using boost::asio::awaitable;

namespace {

constexpr std::string_view kTempPrefix = ".incoming-";
// Bytes gathered before one write on the blocking pool: few pool hops, bounded memory.
constexpr std::size_t kFlushBytes = 256 * 1024;

class LocalUpload final : public BlobUpload {
 public:
  LocalUpload(fs::path dir, const std::string& key, core::BlockingPool& pool)
      : temp_(dir / (std::string(kTempPrefix) + key)), final_(dir / key), pool_(pool) {}

  ~LocalUpload() override {
    // Only when the owner skipped abort() after a failure; normally nothing is left to do.
    if (file_) std::fclose(file_);
    if (!committed_) {
      std::error_code ec;
      fs::remove(temp_, ec);
    }
  }

  awaitable<void> write(std::string_view bytes) override {
    buffer_.append(bytes);
    if (buffer_.size() >= kFlushBytes) co_await flush(false);
  }

  awaitable<void> commit() override {
    co_await flush(true);
    committed_ = true;
  }

  awaitable<void> abort() override {
    auto job = [this] {
      if (file_) std::fclose(std::exchange(file_, nullptr));
      std::error_code ec;
      fs::remove(temp_, ec);
      if (committed_) fs::remove(final_, ec);
    };
    co_await pool_.run(std::move(job));
    committed_ = false;
  }

 private:
  // Writes the buffer on the blocking pool; last: also sync, close and rename into place.
  awaitable<void> flush(bool last) {
    auto job = [this, last] {
      // "x": never follow or reuse an existing file.
      if (!file_ && !(file_ = std::fopen(temp_.c_str(), "wbx")))
        throw std::runtime_error("cannot create " + temp_.string());
      if (!buffer_.empty() &&
          std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
        throw std::runtime_error("cannot write " + temp_.string());
      if (!last) return;
      // The file must be on disk before a message that names it is stored.
      if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0)
        throw std::runtime_error("cannot sync " + temp_.string());
      std::fclose(std::exchange(file_, nullptr));
      fs::rename(temp_, final_);
    };
    co_await pool_.run(std::move(job));
    buffer_.clear();
  }

  fs::path temp_, final_;
  core::BlockingPool& pool_;
  std::string buffer_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

}  // namespace

LocalBlobStore::LocalBlobStore(fs::path dir, core::BlockingPool& pool)
    : dir_(std::move(dir)), pool_(pool) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_))
    throw std::runtime_error("BLOB_STORE: cannot create the upload folder " + dir_.string() + ": " +
                             ec.message());
  // Uploads cut short by a crash left temporary files nobody will finish.
  for (const auto& entry : fs::directory_iterator(dir_, ec))
    if (entry.path().filename().string().starts_with(kTempPrefix)) fs::remove(entry.path(), ec);
}

std::unique_ptr<BlobUpload> LocalBlobStore::begin(const std::string& key, std::string) {
  if (!parse_blob_name(key)) throw std::invalid_argument("not a blob name: " + key);
  return std::make_unique<LocalUpload>(dir_, key, pool_);
}

awaitable<void> LocalBlobStore::remove(std::string key) {
  if (!parse_blob_name(key)) co_return;
  auto job = [path = dir_ / key] {
    std::error_code ec;
    fs::remove(path, ec);
    if (ec) spdlog::warn("blob: cannot remove {}: {}", path.string(), ec.message());
  };
  co_await pool_.run(std::move(job));
}

awaitable<bool> LocalBlobStore::exists(std::string key) {
  if (!parse_blob_name(key)) co_return false;
  auto job = [path = dir_ / key] {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    // Not found is an answer; any other error (EIO, EACCES on the folder...) is a failure.
    if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
      throw std::runtime_error("blob: cannot stat " + path.string() + ": " + ec.message());
    return fs::is_regular_file(status);
  };
  co_return co_await pool_.run(std::move(job));
}

std::optional<std::string> LocalBlobStore::key_of(std::string_view url) const {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.starts_with(scheme)) {
      const auto slash = url.find('/', scheme.size());
      if (slash == std::string_view::npos) return std::nullopt;
      url.remove_prefix(slash);
      break;
    }
  }
  constexpr std::string_view kPrefix = "/uploads/";
  if (!url.starts_with(kPrefix)) return std::nullopt;
  const auto name = url.substr(kPrefix.size());
  if (!parse_blob_name(name)) return std::nullopt;
  return std::string(name);
}

}  // namespace chatd::blob
