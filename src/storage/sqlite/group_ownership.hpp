#pragma once

#include <cstdint>

#include <SQLiteCpp/Database.h>

#include "storage/group_repository.hpp"

namespace chatd::storage::sqlite {

// After members left a group (inside the caller's write transaction): with no owner left, the
// oldest admin, else the oldest member, becomes owner; with nobody left, the group is deleted.
// Shared by a member's removal and an account's deletion, so that no group is left ownerless.
OwnershipChange settle_ownership(SQLite::Database& db, std::int64_t group_id);

}  // namespace chatd::storage::sqlite
