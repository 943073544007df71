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

TEST(CorsOrigins, SerializedOriginsAndStarAreAccepted) {
  for (const char* entry :
       {"*", "https://app.example", "http://localhost:3000", "http://127.0.0.1:8080",
        "http://[::1]:5173", "https://xn--bcher-kva.example", "wss://a.example:8443",
        "chrome-extension://abcdefghijklmnop", "http://a.example:0"})
    EXPECT_EQ(origin_entry_problem(entry), std::nullopt) << entry;
}

TEST(CorsOrigins, AUrlWithMoreThanAnOriginIsRefusedWithTheOriginItMeant) {
  const std::pair<const char*, const char*> cases[] = {
      {"https://app.example/",
       "'https://app.example/' is not an origin as browsers send it (it "
       "has a path): write 'https://app.example'"},
      {"https://app.example/chat", "(it has a path): write 'https://app.example'"},
      {"https://app.example?x=1", "(it has a query): write 'https://app.example'"},
      {"https://app.example#top", "(it has a fragment): write 'https://app.example'"},
      {"https://me@app.example", "(it has user information): write 'https://app.example'"},
      {"https://app.example:443",
       "(browsers leave out an empty or default port): write "
       "'https://app.example'"},
      {"http://app.example:80", "default port): write 'http://app.example'"},
      {"https://app.example:", "default port): write 'https://app.example'"},
      {"http://app.example:08080",
       "(browsers write the port without leading zeros): write "
       "'http://app.example:8080'"},
      {"HTTPS://App.Example:8443",
       "(browsers send it in lower case): write "
       "'https://app.example:8443'"},
  };
  for (const auto& [entry, message] : cases) {
    const auto problem = origin_entry_problem(entry);
    ASSERT_TRUE(problem) << entry;
    EXPECT_NE(problem->find(message), std::string::npos) << *problem;
    EXPECT_EQ(problem->rfind("'" + std::string(entry) + "' is not an origin", 0), 0u) << *problem;
  }
}

TEST(CorsOrigins, WhatIsNoOriginAtAllIsRefused) {
  for (const char* entry :
       {"app.example", "app.example:3000", "//app.example", "https://", "https:app.example",
        "mailto:a@app.example", "https://app.example:99999", "https://a%2Db.example",
        "https://bücher.example", "https://a b.example"})
    EXPECT_EQ(origin_entry_problem(entry),
              "'" + std::string(entry) +
                  "' is not an origin: expected scheme://host[:port], such as https://app.example")
        << entry;
  EXPECT_EQ(origin_entry_problem("https://*.app.example"),
            "'https://*.app.example' is not an origin: wildcards are not supported; list each "
            "origin, or *");
  // allow() never grants it, so listing it could only be a mistake.
  const auto null = origin_entry_problem("null");
  ASSERT_TRUE(null);
  EXPECT_EQ(null->rfind("'null' is never granted", 0), 0u);
}
