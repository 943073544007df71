#include "http/compression.hpp"

#include <zlib.h>

#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "core/text.hpp"

namespace chatd::http {
namespace {

struct Coding {
  std::string_view name;
  double q = 1;
};

// "gzip;q=0.5" -> {gzip, 0.5}; a weight that does not parse counts as 0 (refused).
Coding read_coding(std::string_view item) {
  Coding c;
  const auto semi = item.find(';');
  c.name = core::trim_ows(item.substr(0, semi));
  if (semi == std::string_view::npos) return c;
  auto param = core::trim_ows(item.substr(semi + 1));
  if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') return c;
  const std::string value(core::trim_ows(param.substr(2)));
  char* end = nullptr;
  const double q = std::strtod(value.c_str(), &end);
  c.q = (end == value.c_str() + value.size() && q >= 0 && q <= 1) ? q : 0;
  return c;
}

}  // namespace

std::optional<std::string_view> accepted_encoding(std::optional<std::string_view> header,
                                                  std::initializer_list<std::string_view> offered) {
  if (!header) return std::nullopt;
  std::vector<Coding> codings;
  std::size_t start = 0;
  while (start <= header->size()) {
    const auto comma = header->find(',', start);
    const auto item =
        header->substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (auto c = read_coding(item); !c.name.empty()) codings.push_back(c);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  std::optional<std::string_view> best;
  double best_q = 0;
  for (auto name : offered) {
    std::optional<double> named, wildcard;
    for (const auto& c : codings) {
      if (core::to_lower(c.name) == name) named = c.q;
      if (c.name == "*") wildcard = c.q;
    }
    const double q = named.value_or(wildcard.value_or(0));
    if (q > best_q) {
      best = name;
      best_q = q;
    }
  }
  return best;
}

std::string compress(std::string_view body, std::string_view encoding) {
  int window_bits = 0;
  if (encoding == "gzip")
    window_bits = 15 + 16;  // zlib writes a gzip header and trailer then
  else if (encoding == "deflate")
    window_bits = 15;
  else
    throw std::invalid_argument("no such content coding: " + std::string(encoding));
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    throw std::runtime_error("zlib: deflateInit2 failed");
  std::string out(deflateBound(&z, static_cast<uLong>(body.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  // deflateBound is enough room for one Z_FINISH call.
  if (rc != Z_STREAM_END) throw std::runtime_error("zlib: deflate failed");
  return out;
}

}  // namespace chatd::http
