#pragma once

// JSON parsing with JSON.parse's number semantics. Boost.JSON 1.81 converts decimals to double
// with an approximation that can be off by one unit in the last place; a relayed number would
// then change on its way through the server. Here every double is re-read from its text with
// std::from_chars, which rounds correctly, as JavaScript does.

#include <cstddef>
#include <optional>
#include <string_view>

#include <boost/json/value.hpp>

namespace chatd::socketio {

// One JSON text, surrounding whitespace allowed; nullopt if it is malformed (including invalid
// UTF-8, comments, trailing commas, trailing data) or nests deeper than max_depth.
std::optional<boost::json::value> parse_json(std::string_view text, std::size_t max_depth);

enum class JsonFailure { malformed, too_deep };
// The same, saying why it failed: too_deep when the parser reached a level past max_depth
// (whatever follows it is not read).
std::optional<boost::json::value> parse_json(std::string_view text, std::size_t max_depth,
                                             JsonFailure& why);

}  // namespace chatd::socketio
