#include "http/file_body.hpp"

#include <unistd.h>

#include <cerrno>

namespace chatd::http {

FileHandle::~FileHandle() {
  if (fd_ >= 0) ::close(fd_);
}

std::int64_t FileHandle::read_at(std::uint64_t offset, char* into, std::size_t size) const {
  std::size_t done = 0;
  while (done < size) {
    const auto n = ::pread(fd_, into + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) break;  // end of file
    done += static_cast<std::size_t>(n);
  }
  return static_cast<std::int64_t>(done);
}

}  // namespace chatd::http
