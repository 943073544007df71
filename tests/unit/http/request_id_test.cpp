#include "http/request_id.hpp"

#include <gtest/gtest.h>

#include <set>

namespace chatd::http {
namespace {

TEST(RequestId, KeepsASaneIncomingId) {
  RequestIds ids;
  EXPECT_EQ(ids.take("0f8fad5b-d9cb-469f-a165-70867728950e"),
            "0f8fad5b-d9cb-469f-a165-70867728950e");
  EXPECT_EQ(ids.take("trace:abc/def+1=@x_y.z"), "trace:abc/def+1=@x_y.z");
  EXPECT_EQ(ids.take(std::string(128, 'a')), std::string(128, 'a'));
}

TEST(RequestId, ReplacesAnIdThatIsMissingTooLongOrCouldForgeALine) {
  RequestIds ids;
  for (const std::string& bad :
       {std::string(), std::string(129, 'a'), std::string("a b"), std::string("a\"b"),
        std::string("a\nrequest_id=x"), std::string("a\\b"), std::string("caf\xc3\xa9")}) {
    const auto id = ids.take(bad);
    EXPECT_NE(id, bad);
    EXPECT_TRUE(sane_request_id(id)) << id;
  }
}

TEST(RequestId, MadeIdsAreDistinctAndShareTheServersPrefix) {
  RequestIds ids;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(ids.take(""));
  EXPECT_EQ(seen.size(), 1000u);
  const auto one = *seen.begin();
  ASSERT_EQ(one.find('-'), 16u);
  for (const auto& id : seen) EXPECT_EQ(id.substr(0, 17), one.substr(0, 17));
  // Another server (another node, a restart) has another prefix.
  RequestIds other;
  EXPECT_NE(other.take("").substr(0, 16), one.substr(0, 16));
}

}  // namespace
}  // namespace chatd::http
