#include "chat/group_json.hpp"

#include <boost/json/array.hpp>

#include "core/iso_time.hpp"

namespace chatd::chat {
namespace json = boost::json;

json::object group_json(const storage::Group& g) {
  return json::object{{"id", g.id},
                      {"name", g.name},
                      {"topic", g.topic ? json::value(*g.topic) : json::value(nullptr)},
                      {"ownerId", g.owner_id > 0 ? json::value(g.owner_id) : json::value(nullptr)},
                      {"memberCount", g.member_count},
                      {"createdAt", core::iso_time(g.created_at)},
                      {"updatedAt", core::iso_time(g.updated_at)}};
}

json::object group_json(const storage::Group& g, const std::vector<storage::GroupMember>& members,
                        const ImageLinker& link) {
  json::object out = group_json(g);
  json::array list;
  list.reserve(members.size());
  for (const auto& m : members) {
    json::value image = nullptr;
    if (m.profile_image && !m.profile_image->empty()) image = json::string(link(*m.profile_image));
    list.push_back(json::object{{"id", m.user_id},
                                {"username", m.username},
                                {"profile_image", std::move(image)},
                                {"role", storage::group_role_name(m.role)},
                                {"joinedAt", core::iso_time(m.joined_at)}});
  }
  out["members"] = std::move(list);
  return out;
}

}  // namespace chatd::chat
