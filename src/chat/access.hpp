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

// Whether the stored message m belongs to the conversation of the new message n: both public,
// both the same group's, or both private between the same two users. A reply must answer a
// message of its own conversation (whose sender, having been let post there, may read it).
bool same_conversation(const storage::Message& m, const storage::NewMessage& n);

}  // namespace chatd::chat
