#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "../run_awaitable.hpp"
#include "blob/azure_account.hpp"
#include "blob/azure_sign.hpp"
#include "blob/azure_store.hpp"
#include "blob/blob_name.hpp"
#include "core/base64.hpp"
#include "core/percent_encoding.hpp"

namespace chatd::blob {
namespace {

// Azurite's published development key; the expected signatures below were computed
// independently (Python hmac) from the documented string-to-sign layouts.
const std::string kDevKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const std::string kAzurite =
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + kDevKey +
    ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

TEST(AzureAccount, ParsesAzuriteAndCloudForms) {
  const auto a = parse_connection_string(kAzurite);
  EXPECT_EQ(a.name, "devstoreaccount1");
  EXPECT_EQ(a.key, core::base64_decode(kDevKey).value());
  EXPECT_EQ(a.endpoint, "http://127.0.0.1:10000/devstoreaccount1");

  const auto c = parse_connection_string(
      "DefaultEndpointsProtocol=https;AccountName=acc;AccountKey=" + kDevKey +
      ";EndpointSuffix=core.chinacloudapi.cn");
  EXPECT_EQ(c.endpoint, "https://acc.blob.core.chinacloudapi.cn");
  const auto d = parse_connection_string("accountname=acc;accountkey=" + kDevKey);
  EXPECT_EQ(d.endpoint, "https://acc.blob.core.windows.net");
  const auto dev = parse_connection_string("UseDevelopmentStorage=true");
  EXPECT_EQ(dev.name, "devstoreaccount1");
  EXPECT_EQ(dev.endpoint, "http://127.0.0.1:10000/devstoreaccount1");
}

TEST(AzureAccount, RejectsBadStringsWithoutEchoingTheKey) {
  for (const std::string& bad : std::vector<std::string>{
           std::string("AccountName=acc"), "AccountKey=" + kDevKey, std::string("garbage"),
           std::string("AccountName=acc;AccountKey=not*base64"),
           "AccountName=acc;AccountKey=" + kDevKey + ";BlobEndpoint=ftp://x"}) {
    try {
      parse_connection_string(bad);
      FAIL() << bad;
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      EXPECT_TRUE(what.starts_with("AZURE_STORAGE_CONNECTION_STRING: ")) << what;
      EXPECT_EQ(what.find(kDevKey), std::string::npos);
    }
  }
}

TEST(AzureAccount, ContainerNames) {
  EXPECT_TRUE(valid_container_name("chat-images"));
  EXPECT_TRUE(valid_container_name("abc"));
  for (const char* bad : {"ab", "Chat", "a--b", "-ab", "ab-", "a_b", "a/b", ""})
    EXPECT_FALSE(valid_container_name(bad)) << bad;
}

TEST(AzureSign, SharedKeyMatchesKnownAnswers) {
  const auto a = parse_connection_string(kAzurite);
  const HeaderList put_blob{{"x-ms-blob-type", "BlockBlob"},
                            {"x-ms-blob-content-type", "image/png"},
                            {"x-ms-version", "2021-12-02"},
                            {"content-length", "11"},
                            {"x-ms-date", "Mon, 01 Jan 2024 00:00:00 GMT"}};
  EXPECT_EQ(shared_key_authorization(a, "PUT", "/devstoreaccount1/chat/name.png", {}, put_blob),
            "SharedKey devstoreaccount1:TbGplNhbzK/LwGJe9SrUATKfp7S70Kp9JQ4KWTJNPCI=");
  const HeaderList put_block{{"x-ms-version", "2021-12-02"},
                             {"content-length", "4"},
                             {"x-ms-date", "Mon, 01 Jan 2024 00:00:00 GMT"}};
  EXPECT_EQ(shared_key_authorization(a, "PUT", "/devstoreaccount1/chat/name.png",
                                     {{"comp", "block"}, {"blockid", "MDAwMDAx"}}, put_block),
            "SharedKey devstoreaccount1:1m90bORqCLlvzcyvXzUDod0CLlWrwPAIoiYgol8NRZ4=");
}

TEST(AzureSign, ServiceSasMatchesKnownAnswers) {
  const auto a = parse_connection_string(kAzurite);
  EXPECT_EQ(sas_time(1704070800), "2024-01-01T01:00:00Z");
  EXPECT_EQ(blob_sas_signature(a, "chat", "name.png", "2024-01-01T01:00:00Z"),
            "jmNwz/KaWovAbmQdk3VxZowfxO4ZhodvODLpnyCyaRs=");
  EXPECT_EQ(blob_sas_query(a, "chat", "name.png", 1704070800),
            "sv=2021-12-02&se=2024-01-01T01%3A00%3A00Z&sr=b&sp=r&sig=" +
                core::percent_encode("jmNwz/KaWovAbmQdk3VxZowfxO4ZhodvODLpnyCyaRs="));
  // An https account signs the protocol too.
  auto https = a;
  https.name = "acc";
  https.endpoint = "https://acc.blob.core.windows.net";
  EXPECT_EQ(blob_sas_signature(https, "chat", "name.png", "2024-01-01T01:00:00Z"),
            "xVHtaXSiE8gpR0bPRb+tw0sN8Qgg6AMIfl0xY2qXR28=");
  EXPECT_NE(blob_sas_query(https, "chat", "name.png", 1704070800).find("&spr=https&"),
            std::string::npos);
}

TEST(AzureStore, RecognisesOnlyLinksItSigned) {
  core::BlockingPool pool(1);
  AzureOptions options;
  options.link_ttl = std::chrono::seconds(60);
  AzureBlobStore store(parse_connection_string(kAzurite), "chat", options, pool);
  const auto key = make_blob_name(ImageType::kPng, 10, 20);
  const auto url = store.link(key);
  EXPECT_TRUE(url.starts_with("http://127.0.0.1:10000/devstoreaccount1/chat/" + key + "?sv="));
  EXPECT_EQ(store.key_of(url), key);

  const auto other = make_blob_name(ImageType::kPng, 10, 20);
  std::string swapped = url;
  swapped.replace(swapped.find(key), key.size(), other);
  EXPECT_FALSE(store.key_of(swapped));  // a signature is for one blob only
  EXPECT_FALSE(store.key_of("http://127.0.0.1:10000/devstoreaccount1/chat/" + key));
  EXPECT_FALSE(store.key_of(url + "&sp=rw"));
  std::string tampered = url;
  tampered.replace(tampered.find("sp=r"), 4, "sp=w");
  EXPECT_FALSE(store.key_of(tampered));
  std::string later = url;
  later.replace(later.find("se=") + 3, 4, "2099");
  EXPECT_FALSE(store.key_of(later));
  EXPECT_FALSE(
      store.key_of("http://evil.example/devstoreaccount1/chat/" + url.substr(url.find(key))));
  EXPECT_FALSE(store.key_of("/uploads/" + key));

  AzureBlobStore another(
      parse_connection_string(
          "AccountName=devstoreaccount1;AccountKey=" + core::base64_encode(std::string(64, 'k')) +
          ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1"),
      "chat", options, pool);
  EXPECT_FALSE(another.key_of(url));  // signed with another key
}

TEST(AzureStore, LinksExpireAfterTheirLifetimeRoundedUp) {
  core::BlockingPool pool(1);
  AzureOptions options;
  options.link_ttl = std::chrono::seconds(3600);
  AzureBlobStore store(parse_connection_string(kAzurite), "chat", options, pool);
  const auto key = make_blob_name(ImageType::kGif, 1, 1);
  const auto a = store.link(key);
  const auto b = store.link(key);
  EXPECT_EQ(a, b);  // stable within a step, so browsers can cache
  const auto now = std::time(nullptr);
  const auto se = a.substr(a.find("se=") + 3, 24);
  std::tm tm{};
  const auto decoded = se.substr(0, 13) + ":" + se.substr(16, 2) + ":" + se.substr(21, 3);
  ASSERT_TRUE(strptime(decoded.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) << decoded;
  const auto expiry = timegm(&tm);
  EXPECT_GE(expiry, now + 3600);
  EXPECT_LE(expiry, now + 3600 + 450 + 1);
}

// A one-thread HTTP server answering each request with the status mapped to its path (403
// otherwise) and closing the connection; it records the requests it read.
class FakeBlobService {
 public:
  FakeBlobService() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 8) != 0)
      throw std::runtime_error("cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeBlobService() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  void answer(const std::string& path, int status) {
    std::lock_guard lock(mutex_);
    answers_[path] = status;
  }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        const auto n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        head.append(buf, static_cast<std::size_t>(n));
      }
      const auto sp1 = head.find(' ');
      const auto sp2 = head.find(' ', sp1 + 1);
      const auto path = head.substr(sp1 + 1, sp2 - sp1 - 1);
      int status = 403;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(head);
        if (auto it = answers_.find(path); it != answers_.end()) status = it->second;
      }
      // What Get Blob Properties answers: the blob's length, and no body.
      const auto reply = "HTTP/1.1 " + std::to_string(status) +
                         " X\r\nContent-Length: 12345\r\nConnection: close\r\n\r\n";
      [[maybe_unused]] auto written = ::write(c, reply.data(), reply.size());
      ::close(c);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::map<std::string, int> answers_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

bool exists(AzureBlobStore& store, std::string key) {
  return test_support::run_awaitable(store.exists(std::move(key)));
}

TEST(AzureStore, ExistsIsASignedHeadThat404sToFalseAndFailsOnOtherAnswers) {
  FakeBlobService service;
  core::BlockingPool pool(1);
  const auto endpoint = "http://127.0.0.1:" + std::to_string(service.port()) + "/devstoreaccount1";
  AzureBlobStore store(parse_connection_string("AccountName=devstoreaccount1;AccountKey=" +
                                               kDevKey + ";BlobEndpoint=" + endpoint),
                       "chat", {}, pool);
  const auto present = make_blob_name(ImageType::kPng, 1, 2);
  const auto absent = make_blob_name(ImageType::kPng, 3, 4);
  const auto denied = make_blob_name(ImageType::kPng, 5, 6);
  service.answer("/devstoreaccount1/chat/" + present, 200);
  service.answer("/devstoreaccount1/chat/" + absent, 404);

  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(exists(store, present));  // no wait for the 12345 bytes a HEAD never sends
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(exists(store, absent));
  try {
    exists(store, denied);
    FAIL() << "403 taken for an answer";
  } catch (const AzureError& e) {
    EXPECT_EQ(e.status(), 403);
  }
  EXPECT_FALSE(exists(store, "../secret"));  // not a blob name: never asked

  const auto requests = service.requests();
  ASSERT_EQ(requests.size(), 3u);  // 403 is not retried
  EXPECT_TRUE(requests[0].starts_with("HEAD /devstoreaccount1/chat/" + present + " HTTP/1.1\r\n"))
      << requests[0];
  for (const auto& r : requests) {
    EXPECT_NE(r.find("authorization: SharedKey devstoreaccount1:"), std::string::npos) << r;
    EXPECT_NE(r.find("x-ms-date: "), std::string::npos) << r;
    EXPECT_NE(r.find(std::string("x-ms-version: ") + kAzureApiVersion), std::string::npos) << r;
  }
}

TEST(AzureStore, RejectsBadContainerNames) {
  core::BlockingPool pool(1);
  EXPECT_THROW(AzureBlobStore(parse_connection_string(kAzurite), "Bad_Name", {}, pool),
               std::invalid_argument);
}

}  // namespace
}  // namespace chatd::blob
