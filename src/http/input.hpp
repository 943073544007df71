#pragma once
// Parsing and validating request input into typed values; every failure is an HttpError with
// the status and message the contract documents.
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace chatd::http {

// The body as a JSON object: 415 unless Content-Type is application/json, 400 when malformed
// or not an object.
boost::json::object json_body(const Request& request);

// A path parameter that must be a positive integer: 400 "<name> must be a number" otherwise.
std::int64_t id_param(const Request& request, std::string_view name);

// An optional integer query parameter within [min, max]; 400 with a clear message otherwise.
int int_query(const Request& request, std::string_view name, int fallback, int min, int max);
std::optional<std::int64_t> id_query(const Request& request, std::string_view name);

// Collects class-validator style messages for one body and throws them together as a list.
class BodyValidator {
 public:
  explicit BodyValidator(const boost::json::object& body) : body_(body) {}

  // Required string; trims nothing. min/max in characters (UTF-8 code points).
  std::optional<std::string> string(std::string_view field, bool required, std::size_t min_len = 0,
                                    std::size_t max_len = 10'000);
  std::optional<std::string> email(std::string_view field);
  // An integer, or a string holding one (the original accepted both for age).
  std::optional<int> integer(std::string_view field, int min, int max);
  void fail(std::string message) { errors_.push_back(std::move(message)); }
  // Throws HttpError(400, list) when any check failed.
  void done() const;

 private:
  const boost::json::object& body_;
  std::vector<std::string> errors_;
};

}  // namespace chatd::http
