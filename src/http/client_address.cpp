#include "http/client_address.hpp"

#include <stdexcept>

#include "core/parse_int.hpp"
#include "core/text.hpp"

namespace chatd::http {
namespace ip = boost::asio::ip;

namespace {

template <typename Bytes>
bool prefix_matches(const Bytes& a, const Bytes& b, unsigned bits) {
  for (std::size_t i = 0; bits > 0; ++i) {
    const unsigned take = bits < 8 ? bits : 8;
    const auto mask = static_cast<unsigned char>(0xFF00u >> take);
    if ((a[i] & mask) != (b[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

std::optional<ip::address> address_of(std::string_view text) {
  boost::system::error_code ec;
  auto address = ip::make_address(std::string(core::trim_ows(text)), ec);
  if (ec) return std::nullopt;
  return normalized(address);
}

}  // namespace

ip::address normalized(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  return address;
}

TrustedProxies TrustedProxies::parse(std::string_view list) {
  TrustedProxies out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto entry = core::trim_ows(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (entry.empty()) continue;
    const auto slash = entry.find('/');
    const auto address = address_of(entry.substr(0, slash));
    if (!address)
      throw std::invalid_argument("not an IP address or CIDR block: " + std::string(entry));
    const unsigned bits = address->is_v4() ? 32 : 128;
    unsigned prefix = bits;
    if (slash != std::string_view::npos) {
      const auto parsed = core::parse_int<unsigned>(entry.substr(slash + 1));
      if (!parsed || *parsed > bits)
        throw std::invalid_argument("bad prefix length in " + std::string(entry));
      prefix = *parsed;
    }
    out.blocks_.push_back(Block{*address, prefix});
  }
  return out;
}

bool TrustedProxies::trusts(const ip::address& raw) const {
  const auto address = normalized(raw);
  for (const auto& block : blocks_) {
    if (block.network.is_v4() != address.is_v4()) continue;
    const bool match = address.is_v4()
                           ? prefix_matches(address.to_v4().to_bytes(),
                                            block.network.to_v4().to_bytes(), block.prefix)
                           : prefix_matches(address.to_v6().to_bytes(),
                                            block.network.to_v6().to_bytes(), block.prefix);
    if (match) return true;
  }
  return false;
}

std::string TrustedProxies::client_of(const ip::address& peer,
                                      std::string_view forwarded_for) const {
  auto client = normalized(peer);
  if (!trusts(client)) return client.to_string();
  // From the right: each hop was added by the (trusted) one to its right.
  while (!forwarded_for.empty()) {
    const auto comma = forwarded_for.rfind(',');
    const auto hop =
        comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1);
    forwarded_for =
        comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
    if (core::trim_ows(hop).empty()) continue;
    const auto address = address_of(hop);
    if (!address) break;
    client = *address;
    if (!trusts(client)) break;
  }
  return client.to_string();
}

}  // namespace chatd::http
