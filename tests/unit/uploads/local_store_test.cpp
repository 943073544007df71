#include <gtest/gtest.h>

#include <vector>

#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <thread>

#include "../blob/test_images.hpp"
#include "../run_awaitable.hpp"
#include "blob/blob_name.hpp"
#include "blob/local_store.hpp"
#include "http/error.hpp"
#include "http/router.hpp"
#include "uploads/file_routes.hpp"
#include "uploads/image_upload.hpp"
#include "uploads/stored_file.hpp"

namespace chatd::uploads {
namespace {
namespace fs = std::filesystem;
using namespace blob;

using test_support::run_awaitable;

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("chatd-blob-test-" + std::to_string(std::random_device{}()) + "-" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
    store_ = std::make_unique<LocalBlobStore>(dir_, pool_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::size_t files() const {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }

  // Sends body as the upload, in pieces of `piece` bytes.
  ReceivedImage upload(const std::string& body, std::size_t max = 1 << 20, std::size_t piece = 4096,
                       std::string content_type = "multipart/form-data; boundary=XyZ") {
    http::Request req;
    req.headers.emplace_back("content-type", content_type);
    http::StringBodyReader reader(body, piece);
    return run_awaitable(receive_image(req, reader, *store_, max));
  }

  int upload_status(const std::string& body, std::size_t max = 1 << 20,
                    std::string content_type = "multipart/form-data; boundary=XyZ") {
    try {
      upload(body, max, 1000, content_type);
    } catch (const http::HttpError& e) {
      return e.status();
    }
    return 200;
  }

  static std::string form(const std::string& file, bool with_field = true) {
    std::string body;
    if (with_field)
      body += "--XyZ\r\nContent-Disposition: form-data; name=\"recipientId\"\r\n\r\n7\r\n";
    body +=
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\n"
        "Content-Type: image/png\r\n\r\n" +
        file + "\r\n--XyZ--\r\n";
    return body;
  }

  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }

  core::BlockingPool pool_{2};
  fs::path dir_;
  std::unique_ptr<LocalBlobStore> store_;
};

TEST_F(LocalStoreTest, StoresTheFileUnderASniffedName) {
  auto png = test::png(640, 480, 300000);
  const auto r = upload(form(png), 1 << 20, 777);
  EXPECT_EQ(r.width, 640);
  EXPECT_EQ(r.height, 480);
  EXPECT_EQ(r.bytes, png.size());
  EXPECT_EQ(r.fields.at("recipientId"), "7");
  EXPECT_TRUE(r.key.ends_with(".640x480.png"));
  ASSERT_TRUE(parse_blob_name(r.key));
  EXPECT_EQ(read(dir_ / r.key), png);
  EXPECT_EQ(files(), 1u);  // no temporary file left
}

TEST_F(LocalStoreTest, FindsTheJpegSizeBehindMetadata) {
  const auto jpeg = test::jpeg(800, 600, 65000);
  const auto r = upload(form(jpeg, false), 1 << 20, 1000);
  EXPECT_TRUE(r.key.ends_with(".800x600.jpg"));
  EXPECT_EQ(read(dir_ / r.key), jpeg);
}

TEST_F(LocalStoreTest, RefusalsLeaveNothingBehind) {
  EXPECT_EQ(upload_status(form("just some text, named .png")), 415);
  EXPECT_EQ(upload_status(form("")), 415);
  EXPECT_EQ(upload_status(form(test::png(1, 1, 5000)), 2000), 413);
  const auto full = form(test::png(1, 1, 50000));
  EXPECT_EQ(upload_status(full.substr(0, full.size() - 12)), 400);  // cut before the end
  EXPECT_EQ(upload_status(full.substr(0, 30000)), 400);             // cut inside the file
  EXPECT_EQ(
      upload_status("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--XyZ--"),
      400);
  EXPECT_EQ(upload_status(full, 1 << 20, "application/json"), 400);
  EXPECT_EQ(upload_status(form(test::png(1, 1)) + form(test::png(1, 1))), 200);  // epilogue ignored
  const auto two_files = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n" +
                         test::png(1, 1) + "\r\n" + form(test::png(1, 1), false);
  EXPECT_EQ(upload_status(two_files), 400);
  EXPECT_EQ(files(), 1u);  // only the one accepted upload
}

TEST_F(LocalStoreTest, RecognisesItsOwnUrlsOnly) {
  const auto r = upload(form(test::gif(5, 6)));
  EXPECT_EQ(store_->link(r.key), "/uploads/" + r.key);
  EXPECT_EQ(store_->key_of("/uploads/" + r.key), r.key);
  EXPECT_EQ(store_->key_of("http://chat.example:3001/uploads/" + r.key), r.key);
  EXPECT_EQ(store_->key_of("https://chat.example/uploads/" + r.key), r.key);
  const auto issued = resolve_issued_url(*store_, "/uploads/" + r.key);
  ASSERT_TRUE(issued);
  EXPECT_EQ(issued->width, 5);
  EXPECT_EQ(issued->height, 6);
  const auto missing = make_blob_name(ImageType::kGif, 5, 6);
  for (const std::string& bad : std::vector<std::string>{
           "/uploads/../" + r.key, "/uploads/" + r.key + "?x", "/files/" + r.key, r.key,
           "https://evil.example/" + r.key, "/uploads//" + r.key, "/uploads/%2e%2e/" + r.key,
           "javascript:alert(1)//uploads/" + r.key})
    EXPECT_FALSE(store_->key_of(bad)) << bad;
  // key_of reads the URL only; whether the file is there is exists()'s answer.
  EXPECT_EQ(store_->key_of("/uploads/" + missing), missing);
  EXPECT_TRUE(run_awaitable(store_->exists(r.key)));
  EXPECT_FALSE(run_awaitable(store_->exists(missing)));
  run_awaitable(store_->remove(r.key));
  EXPECT_EQ(store_->key_of("/uploads/" + r.key), r.key);
  EXPECT_FALSE(run_awaitable(store_->exists(r.key)));
  EXPECT_EQ(files(), 0u);
  run_awaitable(store_->remove("../../etc/passwd"));  // ignored: not a blob name
}

TEST_F(LocalStoreTest, ExistsIsFalseForOddNamesAndThrowsWhenTheDiskCannotTell) {
  const auto r = upload(form(test::png(3, 3)));
  EXPECT_TRUE(run_awaitable(store_->exists(r.key)));
  for (const std::string& odd : {std::string("../") + r.key, std::string(""),
                                 std::string(".incoming-") + r.key, std::string("/etc/passwd")})
    EXPECT_FALSE(run_awaitable(store_->exists(odd))) << odd;
  // A folder under a blob name is not a blob.
  const auto folder = make_blob_name(ImageType::kPng, 1, 1);
  fs::create_directory(dir_ / folder);
  EXPECT_FALSE(run_awaitable(store_->exists(folder)));
  // A stat that fails for another reason than "not found" (here ELOOP; permissions do not stop
  // root) is a storage failure, not a missing blob.
  const auto loop = make_blob_name(ImageType::kPng, 2, 2);
  fs::create_symlink(dir_ / loop, dir_ / loop);
  EXPECT_THROW(run_awaitable(store_->exists(loop)), std::runtime_error);
}

TEST_F(LocalStoreTest, ServesWithCachingRangesAndSafeHeaders) {
  const auto png = test::png(2, 2, 1000);
  const auto r = upload(form(png));
  const auto file = dir_ / r.key;
  auto header = [](const http::Response& res, std::string_view name) {
    for (const auto& [k, v] : res.headers)
      if (k == name) return v;
    return std::string();
  };
  // The body is the open file, sent by the server in chunks; read it back the same way.
  auto bytes = [](const http::Response& res) {
    if (!res.file) return std::string();
    std::string out(res.file->size, '\0');
    const auto n = res.file->file->read_at(res.file->offset, out.data(), out.size());
    out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
    return out;
  };
  const auto whole = serve_stored_file(file, r.key, {});
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->status, 200);
  EXPECT_TRUE(whole->body.empty());
  EXPECT_EQ(bytes(*whole), png);
  EXPECT_EQ(whole->content_type, "image/png");
  EXPECT_EQ(header(*whole, "X-Content-Type-Options"), "nosniff");
  EXPECT_NE(header(*whole, "Cache-Control").find("immutable"), std::string::npos);
  EXPECT_EQ(header(*whole, "Content-Security-Policy"), "default-src 'none'; sandbox");
  const auto etag = header(*whole, "ETag");

  StoredFileRequest cond;
  cond.if_none_match = "\"other\", " + etag;
  const auto not_modified = serve_stored_file(file, r.key, cond);
  EXPECT_EQ(not_modified->status, 304);
  EXPECT_TRUE(not_modified->body.empty());
  EXPECT_FALSE(not_modified->file);

  StoredFileRequest range;
  range.range = "bytes=8-23";
  const auto part = serve_stored_file(file, r.key, range);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(bytes(*part), png.substr(8, 16));
  EXPECT_EQ(header(*part, "Content-Range"), "bytes 8-23/" + std::to_string(png.size()));
  range.if_range = "\"stale\"";
  EXPECT_EQ(serve_stored_file(file, r.key, range)->status, 200);

  StoredFileRequest beyond;
  beyond.range = "bytes=999999-";
  const auto unsatisfiable = serve_stored_file(file, r.key, beyond);
  EXPECT_EQ(unsatisfiable->status, 416);
  EXPECT_EQ(header(*unsatisfiable, "Content-Range"), "bytes */" + std::to_string(png.size()));
  EXPECT_FALSE(unsatisfiable->file);

  EXPECT_FALSE(serve_stored_file(dir_ / "nope", make_blob_name(ImageType::kPng, 1, 1), {}));
}

TEST_F(LocalStoreTest, TheRouteHandsTheOpenFileOverWithReadsOnThePool) {
  const auto png = test::png(3, 3, 5000);
  const auto r = upload(form(png));
  http::Router router;
  add_file_routes(router, *store_, pool_);
  http::Request req;
  req.method = "GET";
  req.path = "/uploads/" + r.key;
  const auto res = run_awaitable(router.dispatch(req));
  EXPECT_EQ(res.status, 200);
  ASSERT_TRUE(res.file);
  EXPECT_EQ(res.file->offset, 0u);
  EXPECT_EQ(res.file->size, png.size());
  ASSERT_EQ(res.file->read_pool, &pool_);
  // A chunk read runs on the blocking pool, not on the calling (I/O) thread.
  auto where = [] { return std::this_thread::get_id(); };
  EXPECT_NE(run_awaitable(res.file->read_pool->run(std::move(where))), std::this_thread::get_id());

  req.path = "/uploads/" + make_blob_name(ImageType::kPng, 3, 3);
  req.params.clear();
  const auto missing = run_awaitable(router.dispatch(req));
  EXPECT_EQ(missing.status, 404);
  EXPECT_FALSE(missing.file);
}

TEST_F(LocalStoreTest, RemovesTemporaryFilesLeftByACrash) {
  std::ofstream(dir_ / ".incoming-leftover") << "half an upload";
  std::ofstream(dir_ / "keep.txt") << "not ours to remove";
  LocalBlobStore again(dir_, pool_);
  EXPECT_FALSE(fs::exists(dir_ / ".incoming-leftover"));
  EXPECT_TRUE(fs::exists(dir_ / "keep.txt"));
}

// The routes that take an image (avatar, send-image) put it to use through use_or_remove.
TEST_F(LocalStoreTest, AnImageIsKeptWhenItsUseSucceedsAndDeletedWhenItFails) {
  ImageUploads uploads(*store_, 1 << 20);
  const auto kept = upload(form(test::png(2, 2), false));
  auto use = []() -> boost::asio::awaitable<int> { co_return 42; };
  EXPECT_EQ(run_awaitable(uploads.use_or_remove(kept.key, use)), 42);
  EXPECT_TRUE(fs::exists(dir_ / kept.key));

  // Refused while it runs (say, an unknown recipient)...
  const auto refused = upload(form(test::png(2, 2), false));
  auto refuse = []() -> boost::asio::awaitable<int> {
    throw http::HttpError(404, "recipient not found");
    co_return 0;
  };
  try {
    run_awaitable(uploads.use_or_remove(refused.key, refuse));
    ADD_FAILURE() << "the refusal did not pass";
  } catch (const http::HttpError& e) {
    EXPECT_EQ(e.status(), 404);
  }
  EXPECT_FALSE(fs::exists(dir_ / refused.key));

  // ...or before it starts (a bad form field, checked as the use begins).
  const auto bad_field = upload(form(test::png(2, 2), false));
  auto bad = []() -> boost::asio::awaitable<int> {
    throw std::invalid_argument("recipientId must be a positive integer");
  };
  EXPECT_THROW(run_awaitable(uploads.use_or_remove(bad_field.key, bad)), std::invalid_argument);
  EXPECT_FALSE(fs::exists(dir_ / bad_field.key));
  EXPECT_EQ(files(), 1u);
}

}  // namespace
}  // namespace chatd::uploads
