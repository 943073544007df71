#include "uploads/image_upload.hpp"

#include <exception>

#include "blob/blob_name.hpp"
#include "blob/image_probe.hpp"
#include "http/error.hpp"
#include "http/multipart.hpp"
#include "uploads/store_unavailable.hpp"

namespace chatd::uploads {
using boost::asio::awaitable;

namespace {

constexpr std::size_t kMaxFieldBytes = 1024;
constexpr std::size_t kMaxFields = 16;
// A JPEG may put its frame header after large metadata segments; the blob name needs the
// size, so up to this much is held back while the header is looked for.
constexpr std::size_t kMaxProbeBytes = 1024 * 1024;

// The "file" part on its way into the store.
class ImageSink {
 public:
  ImageSink(blob::BlobStore& store, std::size_t max_bytes) : store_(store), max_bytes_(max_bytes) {}

  awaitable<void> write(std::string_view bytes) {
    bytes_ += bytes.size();
    if (bytes_ > max_bytes_)
      throw http::HttpError(
          413, "File too large: the limit is " + std::to_string(max_bytes_) + " bytes");
    if (upload_) {
      co_await upload_->write(bytes);
      co_return;
    }
    probe_.feed(bytes);
    head_.append(bytes);
    if (probe_.type_decided() && !probe_.type()) throw not_an_image();
    if (probe_.oversized()) throw too_large_image();
    if (probe_.type() && (probe_.settled() || head_.size() >= kMaxProbeBytes)) co_await start();
  }

  awaitable<void> end() {
    probe_.finish();
    if (!probe_.type()) throw not_an_image();
    if (probe_.oversized()) throw too_large_image();
    if (!upload_) co_await start();
  }

  awaitable<void> commit() { co_await upload_->commit(); }

  awaitable<void> abort() {
    if (upload_) co_await upload_->abort();
  }

  ReceivedImage result() const {
    ReceivedImage r;
    r.key = key_;
    r.width = probe_.width();
    r.height = probe_.height();
    r.bytes = bytes_;
    return r;
  }

 private:
  static http::HttpError not_an_image() {
    return http::HttpError(415, "file must be a JPEG, PNG, GIF or WebP image");
  }
  static http::HttpError too_large_image() {
    return http::HttpError(415, "image must be at most " + std::to_string(blob::kMaxImageSide) +
                                    " pixels wide and high");
  }

  awaitable<void> start() {
    key_ = blob::make_blob_name(*probe_.type(), probe_.width(), probe_.height());
    upload_ = store_.begin(key_, blob::content_type(*probe_.type()));
    std::string head = std::move(head_);
    head_.clear();
    co_await upload_->write(head);
  }

  blob::BlobStore& store_;
  std::size_t max_bytes_;
  std::uint64_t bytes_ = 0;
  blob::ImageProbe probe_;
  std::string head_;
  std::string key_;
  std::unique_ptr<blob::BlobUpload> upload_;
};

// Which part of the form the parser is in: the one "file" (its bytes go to an ImageSink), a
// text field (kept, within limits), or anything else (skipped).
class FormParts {
 public:
  void begin(const http::MultipartPart& p) {
    if (p.name == "file") {
      if (have_file_) throw http::bad_request("Only one file may be uploaded");
      have_file_ = true;
      part_ = Part::kFile;
    } else if (!p.filename && !p.name.empty()) {
      if (fields_.size() >= kMaxFields) throw http::bad_request("Too many form fields");
      field_name_ = p.name;
      fields_[field_name_];
      part_ = Part::kField;
    } else {
      part_ = Part::kSkip;  // other files are not read
    }
  }
  bool in_file() const { return part_ == Part::kFile; }
  void field_data(std::string_view data) {
    if (part_ != Part::kField) return;
    auto& value = fields_[field_name_];
    if (value.size() + data.size() > kMaxFieldBytes)
      throw http::bad_request("Form field " + field_name_ + " is too long");
    value.append(data);
  }
  void end() { part_ = Part::kNone; }
  bool has_file() const { return have_file_; }
  std::map<std::string, std::string, std::less<>> take_fields() { return std::move(fields_); }

 private:
  enum class Part { kNone, kFile, kField, kSkip };
  Part part_ = Part::kNone;
  bool have_file_ = false;
  std::string field_name_;
  std::map<std::string, std::string, std::less<>> fields_;
};

// HttpErrors pass; anything else means the store failed (disk full, Azure unreachable):
// retryable, unlike a bad request.
std::exception_ptr as_http_error(const blob::BlobStore& store, std::exception_ptr failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const http::HttpError&) {
    return failure;
  } catch (const std::exception& e) {
    store.report_failure(std::string(store.kind()) + ": " + e.what());
  } catch (...) {
    store.report_failure(std::string(store.kind()) + ": unknown error");
  }
  return std::make_exception_ptr(http::HttpError(503, kStoreUnavailable));
}

}  // namespace

awaitable<ReceivedImage> receive_image(const http::Request& request, http::BodyReader& body,
                                       blob::BlobStore& store, std::size_t max_file_bytes) {
  const auto boundary = http::multipart_boundary(request.header("content-type").value_or(""));
  if (!boundary)
    throw http::bad_request("Content-Type must be multipart/form-data with a boundary");
  http::MultipartParser parser(*boundary);
  ImageSink sink(store, max_file_bytes);
  FormParts form;
  std::exception_ptr failure;
  try {
    using Event = http::MultipartParser::Event;
    for (;;) {
      const auto piece = co_await body.read();
      if (piece.empty()) break;
      parser.feed(piece);
      for (auto ev = parser.next(); ev != Event::kNeedMore && ev != Event::kDone;
           ev = parser.next()) {
        if (ev == Event::kPartBegin) {
          form.begin(parser.part());
        } else if (ev == Event::kData) {
          if (form.in_file())
            co_await sink.write(parser.data());
          else
            form.field_data(parser.data());
        } else if (ev == Event::kPartEnd) {
          if (form.in_file()) co_await sink.end();
          form.end();
        }
      }
    }
    if (!parser.complete())
      throw http::bad_request("Malformed multipart body: it ends before the closing boundary");
    if (!form.has_file()) throw http::bad_request("file is required");
    co_await sink.commit();
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    co_await sink.abort();  // co_await is not allowed inside a handler
    std::rethrow_exception(as_http_error(store, failure));
  }
  auto result = sink.result();
  result.fields = form.take_fields();
  co_return result;
}

}  // namespace chatd::uploads
