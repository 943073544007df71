#pragma once
// A Redis reply, copied out of hiredis's reader so it can outlive the read buffer.
#include <string>
#include <vector>

namespace chatd::cluster {

struct RedisReply {
  enum class Type { nil, integer, string, status, error, array };
  Type type = Type::nil;
  long long integer = 0;
  std::string str;  // string, status and error replies
  std::vector<RedisReply> elements;

  bool is_error() const { return type == Type::error; }
  static RedisReply error(std::string message) {
    RedisReply r;
    r.type = Type::error;
    r.str = std::move(message);
    return r;
  }
};

}  // namespace chatd::cluster
