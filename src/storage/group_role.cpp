#include "storage/group_repository.hpp"

namespace chatd::storage {

const char* group_role_name(GroupRole role) {
  switch (role) {
    case GroupRole::kOwner:
      return "owner";
    case GroupRole::kAdmin:
      return "admin";
    case GroupRole::kMember:
      break;
  }
  return "member";
}

std::optional<GroupRole> parse_group_role(std::string_view name) {
  if (name == "owner") return GroupRole::kOwner;
  if (name == "admin") return GroupRole::kAdmin;
  if (name == "member") return GroupRole::kMember;
  return std::nullopt;
}

}  // namespace chatd::storage
