// CorsPolicy: which origins get which grant, and the preflight answer the settings make.
#include "http/cors.hpp"

#include <gtest/gtest.h>

using namespace chatd::http;

namespace {

std::string header_of(const Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}

}  // namespace

TEST(CorsPolicy, ListedOriginsAreEchoedWithCredentialsUnlessTheyAreOff) {
  const CorsPolicy on(CorsOptions{.origins = {"https://a.example", "null"}});
  const auto grant = on.allow("https://a.example");
  ASSERT_TRUE(grant);
  EXPECT_EQ(grant->allow_origin, "https://a.example");
  EXPECT_TRUE(grant->credentials);
  EXPECT_FALSE(on.allow("https://b.example"));
  EXPECT_FALSE(on.allow("null"));
  EXPECT_FALSE(on.allow(""));

  const CorsPolicy off(CorsOptions{.origins = {"https://a.example"}, .credentials = false});
  ASSERT_TRUE(off.allow("https://a.example"));
  EXPECT_FALSE(off.allow("https://a.example")->credentials);
}

TEST(CorsPolicy, StarIsAnsweredWithStarAndNeverCredentials) {
  const CorsPolicy star(CorsOptions{.origins = {"*", "https://a.example"}, .credentials = true});
  for (const char* origin : {"https://evil.example", "null"}) {
    const auto grant = star.allow(origin);
    ASSERT_TRUE(grant) << origin;
    EXPECT_EQ(grant->allow_origin, "*") << origin;
    EXPECT_FALSE(grant->credentials) << origin;
  }
  EXPECT_TRUE(star.allow("https://a.example")->credentials);
  EXPECT_FALSE(CorsPolicy().enabled());
  EXPECT_TRUE(star.enabled());
}

TEST(CorsPolicy, PreflightCarriesTheConfiguredHeadersAndMaxAge) {
  const CorsPolicy defaults(CorsOptions{.origins = {"*"}});
  const auto r = defaults.preflight("GET, POST");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.content_type, "");
  EXPECT_EQ(header_of(r, "Access-Control-Allow-Methods"), "GET, POST");
  EXPECT_EQ(header_of(r, "Access-Control-Allow-Headers"),
            "Authorization, Content-Type, X-Request-Id");
  EXPECT_EQ(header_of(r, "Access-Control-Max-Age"), "600");
  EXPECT_EQ(defaults.exposed_headers(), "Retry-After, X-Request-Id");

  const CorsPolicy custom(CorsOptions{.origins = {"*"},
                                      .allowed_headers = {"X-Trace"},
                                      .exposed_headers = {},
                                      .max_age_seconds = 0});
  const auto c = custom.preflight("GET");
  EXPECT_EQ(header_of(c, "Access-Control-Allow-Headers"), "X-Trace");
  for (const auto& [name, value] : c.headers) EXPECT_NE(name, "Access-Control-Max-Age");
  EXPECT_EQ(custom.exposed_headers(), "");
}
