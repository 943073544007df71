#pragma once
// Who may see a stored message: the one rule every operation on a message by its id (edit,
// delete) checks first, so that a new kind of conversation changes it in one place.
#include <cstdint>

#include "storage/repository.hpp"

namespace chatd::chat {

// Everyone reads public messages; the two users of a private conversation read its messages;
// a group's members read the group's. Blocking (a group's membership is read from the store):
// run it on the blocking pool.
bool may_read(std::int64_t user, const storage::Message& m, storage::Database& db);

}  // namespace chatd::chat
