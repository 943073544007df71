#include "users/user_json.hpp"

#include <boost/json/value_from.hpp>

#include "core/iso_time.hpp"
#include "http/envelope.hpp"

namespace chatd::users {
namespace json = boost::json;

namespace {
template <typename T>
json::value optional_value(const std::optional<T>& v) {
  if (!v) return nullptr;
  return json::value_from(*v);
}
}  // namespace

json::value profile_json(const std::optional<storage::Profile>& profile, const ImageLinker& link) {
  if (!profile) return nullptr;
  const auto& p = *profile;
  json::value image = nullptr;
  if (p.profile_image && !p.profile_image->empty()) image = json::string(link(*p.profile_image));
  return json::object{{"id", p.id},
                      {"full_name", optional_value(p.full_name)},
                      {"profile_image", std::move(image)},
                      {"age", optional_value(p.age)},
                      {"location", optional_value(p.location)},
                      {"userId", p.user_id},
                      {"createdAt", core::iso_time(p.created_at)},
                      {"updatedAt", core::iso_time(p.updated_at)}};
}

json::object user_json(const storage::User& user, bool with_email, const ImageLinker& link) {
  json::object o{{"id", user.id}};
  if (with_email) o["email"] = user.email;
  o["username"] = user.username;
  o["createdAt"] = core::iso_time(user.created_at);
  o["updatedAt"] = core::iso_time(user.updated_at);
  o["profile"] = profile_json(user.profile, link);
  return o;
}

}  // namespace chatd::users
