// Who a request comes from: the peer, or behind trusted proxies the X-Forwarded-For hop that
// no trusted proxy vouches for.
#include "http/client_address.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace chatd::http {
namespace {

boost::asio::ip::address ip(const char* text) {
  return boost::asio::ip::make_address(text);
}

TEST(TrustedProxies, ParsesAddressesAndBlocksOfBothFamilies) {
  const auto p = TrustedProxies::parse(" 10.0.0.0/8, 192.0.2.7 ,::1, 2001:db8::/32,");
  EXPECT_TRUE(p.trusts(ip("10.200.3.4")));
  EXPECT_FALSE(p.trusts(ip("11.0.0.1")));
  EXPECT_TRUE(p.trusts(ip("192.0.2.7")));
  EXPECT_FALSE(p.trusts(ip("192.0.2.8")));
  EXPECT_TRUE(p.trusts(ip("::1")));
  EXPECT_TRUE(p.trusts(ip("2001:db8:1::5")));
  EXPECT_FALSE(p.trusts(ip("2001:db9::5")));
  // An IPv4 peer seen through a dual-stack socket is the IPv4 address.
  EXPECT_TRUE(p.trusts(ip("::ffff:10.1.2.3")));
  EXPECT_TRUE(TrustedProxies::parse("0.0.0.0/0").trusts(ip("203.0.113.9")));
  EXPECT_TRUE(TrustedProxies::parse("").empty());
}

TEST(TrustedProxies, RefusesWhatIsNotAnAddressOrBlock) {
  for (const char* bad :
       {"localhost", "10.0.0.0/33", "::/129", "10.0.0.1/", "10.0.0.0/x", "1.2.3", "10.0.0.0/8/8"})
    EXPECT_THROW(TrustedProxies::parse(bad), std::invalid_argument) << bad;
}

TEST(TrustedProxies, TheClientIsThePeerUnlessThePeerIsTrusted) {
  const auto p = TrustedProxies::parse("10.0.0.1");
  EXPECT_EQ(p.client_of(ip("203.0.113.5"), "1.1.1.1"), "203.0.113.5");  // forged header
  EXPECT_EQ(p.client_of(ip("::ffff:203.0.113.5"), ""), "203.0.113.5");
  EXPECT_EQ(p.client_of(ip("10.0.0.1"), "203.0.113.5"), "203.0.113.5");
  EXPECT_EQ(TrustedProxies{}.client_of(ip("10.0.0.1"), "203.0.113.5"), "10.0.0.1");
}

TEST(TrustedProxies, TakesTheRightmostHopNoTrustedProxyVouchesFor) {
  const auto p = TrustedProxies::parse("10.0.0.0/8");
  // The client prepended a forged hop; the proxy appended what it saw.
  EXPECT_EQ(p.client_of(ip("10.0.0.1"), "6.6.6.6, 203.0.113.5"), "203.0.113.5");
  // Two proxies: the inner one is trusted too.
  EXPECT_EQ(p.client_of(ip("10.0.0.1"), "6.6.6.6, 203.0.113.5, 10.0.0.2"), "203.0.113.5");
  // Several headers read as one list, in order.
  EXPECT_EQ(p.client_of(ip("10.0.0.1"), "6.6.6.6,203.0.113.5 ,, 10.9.9.9"), "203.0.113.5");
  EXPECT_EQ(p.client_of(ip("10.0.0.1"), "2001:db8::7"), "2001:db8::7");
  // Every hop trusted: the leftmost.
  EXPECT_EQ(p.client_of(ip("10.0.0.1"), "10.0.0.3, 10.0.0.2"), "10.0.0.3");
  // No header: the proxy itself.
  EXPECT_EQ(p.client_of(ip("10.0.0.1"), ""), "10.0.0.1");
  // A hop that is no address: the trusted hop that passed it on.
  EXPECT_EQ(p.client_of(ip("10.0.0.1"), "203.0.113.5, unknown, 10.0.0.2"), "10.0.0.2");
  EXPECT_EQ(p.client_of(ip("10.0.0.1"), "junk"), "10.0.0.1");
}

}  // namespace
}  // namespace chatd::http
