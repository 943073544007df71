#pragma once
// The SQLite repositories (search apart: search_repository.hpp). Their classes live in their
// .cpp files: each one's members are written once, where they are defined, and the database
// holds them by their interfaces.
#include <memory>

#include "storage/repository.hpp"
#include "storage/sqlite/connection_pool.hpp"

namespace chatd::storage::sqlite {

std::unique_ptr<UserRepository> make_user_repository(Connections& connections);
std::unique_ptr<MessageRepository> make_message_repository(Connections& connections);
std::unique_ptr<RecoveryRoomRepository> make_recovery_room_repository(Connections& connections);
std::unique_ptr<AuthRepository> make_auth_repository(Connections& connections);
std::unique_ptr<GroupRepository> make_group_repository(Connections& connections);
std::unique_ptr<ReactionRepository> make_reaction_repository(Connections& connections);

}  // namespace chatd::storage::sqlite
