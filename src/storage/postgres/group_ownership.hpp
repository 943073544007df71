#pragma once

#include <cstdint>

#include <pqxx/transaction>

#include "storage/group_repository.hpp"

namespace chatd::storage::postgres {

// After members left a group (inside the caller's transaction, the group's row locked): with no
// owner left, the oldest admin, else the oldest member, becomes owner; with nobody left, the
// group is deleted. Shared by a member's removal and an account's deletion, so that no group is
// left ownerless.
OwnershipChange settle_ownership(pqxx::work& tx, std::int64_t group_id);

}  // namespace chatd::storage::postgres
