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
}  // namespace stmt

void define_auth_statements(pqxx::connection& c);

}  // namespace chatd::storage::postgres
