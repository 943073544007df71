#pragma once
// What an account is made of and the rules its fields follow, shared by registration
// (POST /api/auth/register, PUT /api/profile/password) and the administrator's `chatd user`
// commands, so both refuse the same input with the same words.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "http/input.hpp"

namespace chatd::auth {

inline constexpr std::size_t kPasswordMinLength = 8;
inline constexpr std::size_t kPasswordMaxLength = 128;

struct Registration {
  std::string email;  // lower-cased
  std::string password;
  std::string username;
  std::optional<std::string> full_name;
  std::optional<std::string> location;
  std::optional<int> age;
};

// The fields of a registration body. Throws http::HttpError 400 listing every problem.
Registration read_registration(const boost::json::object& body);
// A new password in the field of v's body; v records the problem otherwise.
std::optional<std::string> new_password(http::BodyValidator& v, std::string_view field);

}  // namespace chatd::auth
