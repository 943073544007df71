#include "auth/registration.hpp"

namespace chatd::auth {

Registration read_registration(const boost::json::object& body) {
  http::BodyValidator v(body);
  Registration r;
  auto email = v.email("email");
  auto password = new_password(v, "password");
  auto username = v.string("username", true, 1, 50);
  if (username && username->find_first_of("\r\n\t") != std::string::npos)
    v.fail("username must not contain control characters");
  r.full_name = v.string("full_name", false, 0, 100);
  r.location = v.string("location", false, 0, 100);
  r.age = v.integer("age", 0, 150);
  v.done();
  r.email = *email;
  r.password = *password;
  r.username = *username;
  return r;
}

std::optional<std::string> new_password(http::BodyValidator& v, std::string_view field) {
  return v.string(field, true, kPasswordMinLength, kPasswordMaxLength);
}

}  // namespace chatd::auth
