#include "http/unread_fields.hpp"

#include <boost/beast/core/string.hpp>

#include "core/text.hpp"

namespace chatd::http {

std::vector<std::string_view> unread_field_values(std::string_view unread, std::string_view name,
                                                  bool request_line_taken) {
  // Lines count only up to their CRLF: the last one of a header cut at the size limit may be
  // cut too.
  if (const auto end = unread.find("\r\n\r\n"); end != std::string_view::npos)
    unread = unread.substr(0, end + 2);
  std::vector<std::string_view> values;
  std::size_t start = 0;
  if (!request_line_taken) {
    start = unread.find("\r\n");
    if (start == std::string_view::npos) return values;
    start += 2;
  }
  for (auto end = unread.find("\r\n", start); end != std::string_view::npos;
       start = end + 2, end = unread.find("\r\n", start)) {
    const auto line = unread.substr(start, end - start);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos && boost::beast::iequals(line.substr(0, colon), name))
      values.push_back(core::trim_ows(line.substr(colon + 1)));
  }
  return values;
}

}  // namespace chatd::http
