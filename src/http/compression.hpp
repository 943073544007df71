#pragma once
// HTTP content coding: which of the codings a server offers a request accepts (Accept-Encoding,
// RFC 9110 12.5.3), and gzip/deflate bodies (zlib).
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::http {

// The offered coding the header accepts with the highest weight (the first offered on a tie);
// nullopt when it accepts none ("gzip;q=0", "identity", no header). "*" accepts every coding it
// does not name. Offered names are lower case; the header's compare case-insensitively.
std::optional<std::string_view> accepted_encoding(std::optional<std::string_view> header,
                                                  std::initializer_list<std::string_view> offered);

// The body in "gzip" (RFC 1952) or "deflate" (the zlib format, RFC 1950, as HTTP's deflate is)
// at zlib's default level. Throws std::invalid_argument for another coding.
std::string compress(std::string_view body, std::string_view encoding);

}  // namespace chatd::http
