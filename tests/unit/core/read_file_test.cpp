#include "core/read_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

using namespace chatd::core;

TEST(ReadFile, ReadsEveryByteAndSaysWhenThereIsNoFile) {
  const auto path =
      std::filesystem::temp_directory_path() / ("chatd-read-file-" + std::to_string(::getpid()));
  const std::string bytes("a\r\nb\0c\xFF", 7);
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_EQ(read_file(path), bytes);
  std::filesystem::remove(path);
  EXPECT_EQ(read_file(path), std::nullopt);
}
