#pragma once
// The Group shapes of docs/rest.md: a group, and a group with its members.
#include <boost/json/object.hpp>
#include <vector>

#include "chat/message_json.hpp"
#include "storage/group_repository.hpp"

namespace chatd::chat {

// {id, name, topic, ownerId, memberCount, createdAt, updatedAt}
boost::json::object group_json(const storage::Group& g);
// The same with members: [{id, username, profile_image, role, joinedAt}]
boost::json::object group_json(const storage::Group& g,
                               const std::vector<storage::GroupMember>& members,
                               const ImageLinker& link);

}  // namespace chatd::chat
