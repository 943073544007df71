#include "uploads/stored_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <memory>

#include "blob/blob_name.hpp"
#include "core/text.hpp"
#include "uploads/byte_range.hpp"

namespace chatd::uploads {
namespace {

// If-None-Match: "*" or a list of (possibly weak) tags; weak comparison, as RFC 9110 asks.
bool etag_matches(std::string_view header, std::string_view etag) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    auto end = header.find(',', pos);
    if (end == std::string_view::npos) end = header.size();
    auto tag = core::trim_ows(header.substr(pos, end - pos));
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace

std::optional<http::Response> serve_stored_file(const std::filesystem::path& file,
                                                const std::string& name,
                                                const StoredFileRequest& request) {
  const auto parsed = blob::parse_blob_name(name);
  if (!parsed) return std::nullopt;
  // O_NONBLOCK: should something other than a file sit at that name (a FIFO), open must not
  // wait for a writer; reads of a regular file ignore the flag.
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  auto handle = std::make_shared<const http::FileHandle>(fd);
  // Type and size from the descriptor itself: they are those of the bytes that will be sent.
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  const auto size = static_cast<std::uint64_t>(st.st_size);

  // Names are random and never rewritten, so the name is a strong validator by itself.
  const std::string etag = '"' + name + '"';
  http::Response res;
  res.content_type = blob::content_type(parsed->type);
  res.set("ETag", etag);
  res.set("Cache-Control", "public, max-age=31536000, immutable");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Content-Disposition", "inline; filename=\"" + name + "\"");
  // Should a browser open the file as a document, it may run nothing and load nothing.
  res.set("Content-Security-Policy", "default-src 'none'; sandbox");
  res.set("Accept-Ranges", "bytes");
  if (request.if_none_match && etag_matches(*request.if_none_match, etag)) {
    res.status = 304;
    res.content_type.clear();
    return res;
  }

  std::uint64_t first = 0, count = size;
  // If-Range with another validator means "the file changed": send it whole.
  const bool range_applies = request.range && (!request.if_range || *request.if_range == etag);
  if (range_applies) {
    const auto r = parse_range(*request.range, size);
    if (r.kind == RangeRequest::Kind::kUnsatisfiable) {
      res.status = 416;
      res.content_type.clear();
      res.set("Content-Range", "bytes */" + std::to_string(size));
      return res;
    }
    if (r.kind == RangeRequest::Kind::kPart) {
      first = r.first;
      count = r.last - r.first + 1;
      res.status = 206;
      res.set("Content-Range", "bytes " + std::to_string(r.first) + "-" + std::to_string(r.last) +
                                   "/" + std::to_string(size));
    }
  }
  res.file = http::FileBody{std::move(handle), first, count, nullptr};
  return res;
}

}  // namespace chatd::uploads
