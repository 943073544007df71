#pragma once

// Serialises a boost::json::value exactly as JavaScript's JSON.stringify would, so that packets
// are byte-identical to what socket.io-parser sends. boost::json::serialize differs on doubles
// ("1.5E0" for 1.5, "Infinity" for inf), which clients parse but tests and caches compare.

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace chatd::socketio {

// Appends the JSON text of `value`. Doubles use ECMAScript Number::toString (shortest round
// trip; NaN and infinities become null, -0 becomes 0). Strings escape '"', '\\' and control
// characters like JSON.stringify (\b \t \n \f \r, else \u00xx) and keep other characters as
// UTF-8; invalid UTF-8, which only server-built strings can hold, is replaced by \ufffd so the
// output is always valid text for a WebSocket text frame.
void append_json(std::string& out, const boost::json::value& value);
void append_json_string(std::string& out, std::string_view text);

// String(number) in JavaScript: used for numeric event names.
void append_js_number(std::string& out, double number);

}  // namespace chatd::socketio
