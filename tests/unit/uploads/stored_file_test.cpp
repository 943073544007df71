// serve_stored_file hands the server an open descriptor, not the bytes: what it decided (exists,
// size, range) must hold for the bytes read later, in chunks, even if the name goes away.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "blob/blob_name.hpp"
#include "uploads/stored_file.hpp"

namespace chatd::uploads {
namespace {
namespace fs = std::filesystem;
using blob::ImageType;
using blob::make_blob_name;

class StoredFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("chatd-stored-file-test-" + std::to_string(std::random_device{}()) + "-" +
            std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A file under a valid blob name holding `bytes`.
  std::string put(const std::string& bytes) {
    const auto name = make_blob_name(ImageType::kPng, 4, 4);
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
    return name;
  }

  // Reads the file body back as the server does: chunk by chunk at increasing offsets.
  static std::string read_in_chunks(const http::FileBody& body, std::size_t chunk) {
    std::string out;
    std::string buffer(chunk, '\0');
    for (std::uint64_t sent = 0; sent < body.size;) {
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, body.size - sent));
      const auto got = body.file->read_at(body.offset + sent, buffer.data(), want);
      if (got != static_cast<std::int64_t>(want)) break;
      out.append(buffer, 0, want);
      sent += want;
    }
    return out;
  }

  static std::string random_bytes(std::size_t n) {
    std::mt19937 gen(42);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(gen());
    return s;
  }

  fs::path dir_;
};

TEST_F(StoredFileTest, TheBodyIsTheOpenFileNotItsBytes) {
  const auto bytes = random_bytes(300 * 1024 + 17);  // several 64 KiB chunks and a remainder
  const auto name = put(bytes);
  const auto res = serve_stored_file(dir_ / name, name, {});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(res->body.empty());
  ASSERT_TRUE(res->file);
  EXPECT_EQ(res->file->offset, 0u);
  EXPECT_EQ(res->file->size, bytes.size());
  EXPECT_EQ(res->file->read_pool, nullptr);  // the caller says where reads run
  EXPECT_EQ(read_in_chunks(*res->file, 64 * 1024), bytes);
}

TEST_F(StoredFileTest, ARangeIsAnOffsetAndASizeIntoTheFile) {
  const auto bytes = random_bytes(200 * 1024);
  const auto name = put(bytes);
  StoredFileRequest request;
  request.range = "bytes=70000-150000";
  const auto part = serve_stored_file(dir_ / name, name, request);
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  ASSERT_TRUE(part->file);
  EXPECT_EQ(part->file->offset, 70000u);
  EXPECT_EQ(part->file->size, 80001u);
  EXPECT_EQ(read_in_chunks(*part->file, 64 * 1024), bytes.substr(70000, 80001));

  request.range = "bytes=-100";
  const auto tail = serve_stored_file(dir_ / name, name, request);
  ASSERT_TRUE(tail && tail->file);
  EXPECT_EQ(read_in_chunks(*tail->file, 64 * 1024), bytes.substr(bytes.size() - 100));
}

TEST_F(StoredFileTest, TheOpenFileOutlivesItsName) {
  const auto bytes = random_bytes(100 * 1024);
  const auto name = put(bytes);
  const auto res = serve_stored_file(dir_ / name, name, {});
  ASSERT_TRUE(res && res->file);
  fs::remove(dir_ / name);  // an avatar replaced while someone downloads the old one
  EXPECT_EQ(read_in_chunks(*res->file, 64 * 1024), bytes);
}

TEST_F(StoredFileTest, AnEmptyFileHasAnEmptyBody) {
  const auto name = put("");
  const auto res = serve_stored_file(dir_ / name, name, {});
  ASSERT_TRUE(res && res->file);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->file->size, 0u);
}

TEST_F(StoredFileTest, NoFileNoDirectoryNoBadName) {
  const auto missing = make_blob_name(ImageType::kPng, 1, 1);
  EXPECT_FALSE(serve_stored_file(dir_ / missing, missing, {}));
  const auto dir_name = make_blob_name(ImageType::kGif, 1, 1);
  fs::create_directory(dir_ / dir_name);
  EXPECT_FALSE(serve_stored_file(dir_ / dir_name, dir_name, {}));
  std::ofstream(dir_ / "notes.txt") << "x";
  EXPECT_FALSE(serve_stored_file(dir_ / "notes.txt", "notes.txt", {}));
}

TEST_F(StoredFileTest, ReadsPastTheEndAreShort) {
  const auto name = put("0123456789");
  const auto res = serve_stored_file(dir_ / name, name, {});
  ASSERT_TRUE(res && res->file);
  std::string buffer(16, '\0');
  EXPECT_EQ(res->file->file->read_at(6, buffer.data(), buffer.size()), 4);
  EXPECT_EQ(buffer.substr(0, 4), "6789");
  EXPECT_EQ(res->file->file->read_at(10, buffer.data(), buffer.size()), 0);
}

}  // namespace
}  // namespace chatd::uploads
