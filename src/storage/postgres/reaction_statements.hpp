#pragma once
// The reaction repository's prepared statements (see statements.hpp).
#include <pqxx/connection>

namespace chatd::storage::postgres {

namespace stmt {
inline constexpr const char* kReactionLockMessage = "reaction_lock_message";
inline constexpr const char* kReactionHas = "reaction_has";
inline constexpr const char* kReactionAtCap = "reaction_at_cap";
inline constexpr const char* kReactionInsert = "reaction_insert";
inline constexpr const char* kReactionDelete = "reaction_delete";
inline constexpr const char* kReactionTouch = "reaction_touch";
inline constexpr const char* kReactionsFor = "reactions_for";
inline constexpr const char* kReactionsChanged = "reactions_changed";
}  // namespace stmt

void define_reaction_statements(pqxx::connection& c);

}  // namespace chatd::storage::postgres
