#pragma once
// The auth repository's prepared statements (see statements.hpp). Times travel as milliseconds
// since the epoch and are stored as timestamptz(3).
#include <pqxx/connection>

namespace chatd::storage::postgres {

namespace stmt {
inline constexpr const char* kFailuresRead = "failures_read";
inline constexpr const char* kFailureAdd = "failure_add";
inline constexpr const char* kFailureBlock = "failure_block";
inline constexpr const char* kFailuresClear = "failures_clear";
inline constexpr const char* kFamilyCreate = "family_create";
inline constexpr const char* kRefreshInsert = "refresh_insert";
inline constexpr const char* kRefreshLookup = "refresh_lookup";
inline constexpr const char* kRefreshUse = "refresh_use";
inline constexpr const char* kFamilyExtend = "family_extend";
inline constexpr const char* kFamilyRevoke = "family_revoke";
inline constexpr const char* kFamiliesOfUser = "families_of_user";
inline constexpr const char* kRevocationLock = "revocation_lock";
inline constexpr const char* kRevocationInsert = "revocation_insert";
inline constexpr const char* kRevocationsAfter = "revocations_after";
inline constexpr const char* kPasswordReplace = "password_replace";
inline constexpr const char* kUserDisable = "user_disable";
inline constexpr const char* kUserEnable = "user_enable";
inline constexpr const char* kUserLockForDelete = "user_lock_for_delete";
inline constexpr const char* kUserImageKeys = "user_image_keys";
inline constexpr const char* kUserDelete = "user_delete";
inline constexpr const char* kUserGroupsLock = "user_groups_lock";
inline constexpr const char* kUnusedImageKeys = "unused_image_keys";
inline constexpr const char* kPruneFailures = "prune_failures";
inline constexpr const char* kPruneRefresh = "prune_refresh";
inline constexpr const char* kPruneFamilies = "prune_families";
inline constexpr const char* kPruneRevocations = "prune_revocations";
}  // namespace stmt

void define_auth_statements(pqxx::connection& c);

}  // namespace chatd::storage::postgres
