#pragma once
// Who a request comes from. The socket's peer, unless that peer is one of TRUSTED_PROXIES: then
// the rightmost X-Forwarded-For hop that is not itself a trusted proxy (each proxy appends the
// address it was connected from, so hops to the left of the last untrusted one may be forged).
// The answer keys per-IP limits (connections, handshakes, logins), so it must be an address an
// attacker cannot choose freely.
#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::http {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // A comma-separated list of IPv4/IPv6 addresses and CIDR blocks ("10.0.0.0/8", "::1");
  // throws std::invalid_argument naming the entry that is neither.
  static TrustedProxies parse(std::string_view list);

  bool empty() const { return blocks_.empty(); }
  bool trusts(const boost::asio::ip::address& address) const;
  // The client behind `peer`: peer itself unless trusted, else the rightmost untrusted address
  // of forwarded_for (every X-Forwarded-For value, in order, joined by commas). When every hop
  // is trusted, the leftmost one; when a hop is not an address, the trusted hop that added it.
  std::string client_of(const boost::asio::ip::address& peer, std::string_view forwarded_for) const;

 private:
  struct Block {
    boost::asio::ip::address network;
    unsigned prefix;  // leading bits that must match
  };
  std::vector<Block> blocks_;
};

// An IPv4 address mapped into IPv6 (::ffff:a.b.c.d, as a dual-stack socket reports IPv4 peers)
// becomes the IPv4 address, so that one client has one key however it connected.
boost::asio::ip::address normalized(const boost::asio::ip::address& address);

}  // namespace chatd::http
