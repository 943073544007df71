#pragma once
// A response body sent from an open file, in chunks, so that a large download never sits in
// memory whole: N slow clients of a 10 MiB image cost N chunks, not N images.
#include <cstdint>
#include <memory>

namespace chatd::core {
class BlockingPool;
}

namespace chatd::http {

// An open, read-only file descriptor, closed with its last owner. A response holds the
// descriptor rather than the path: what was checked (exists, regular, its size) is what is
// sent, even if the name is removed meanwhile.
class FileHandle {
 public:
  explicit FileHandle(int fd) noexcept : fd_(fd) {}
  ~FileHandle();
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;

  int fd() const { return fd_; }
  // Reads up to size bytes at offset (blocking). Returns the bytes read, fewer than size only
  // at the end of the file, or -errno.
  std::int64_t read_at(std::uint64_t offset, char* into, std::size_t size) const;

 private:
  int fd_;
};

struct FileBody {
  std::shared_ptr<const FileHandle> file;
  std::uint64_t offset = 0;  // first byte sent
  std::uint64_t size = 0;    // bytes sent (the Content-Length)
  // Where the server runs each blocking chunk read: the pool of the handler that opened the
  // file (the server owns none). Null: on the I/O thread.
  core::BlockingPool* read_pool = nullptr;
};

}  // namespace chatd::http
