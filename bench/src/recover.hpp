#pragma once
// The reconnect storm (`chatd-bench recover`, issue 14): the server is SIGKILLed and restarted
// under N connected clients with connection state recovery; see recover.cpp.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

namespace bench {

class Bench;

boost::asio::awaitable<boost::json::object> recover_scenario(Bench& b);

}  // namespace bench
