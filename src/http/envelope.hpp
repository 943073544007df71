#pragma once
// The response envelopes of docs/rest.md, produced here and nowhere else.
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace chatd::http {

const char* reason_phrase(int status);

// {success:true, message, data}
Response success(int status, std::string_view message, boost::json::value data);
// {meta:{totalItems,currentPage,itemCount,itemsPerPage,totalPages}, message, data:[...]}
Response paginated(std::string_view message, boost::json::array items, std::int64_t total, int page,
                   int per_page);
// {success:false, statusCode, code, error, message}; message is a string or, for body
// validation, a list.
Response error_response(int status, const std::vector<std::string>& messages, bool as_list);
Response error_response(int status, std::string_view message);
// A raw JSON body (the unwrapped login answer).
Response json_response(int status, const boost::json::value& body);

}  // namespace chatd::http
