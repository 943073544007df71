#pragma once
// The PostgreSQL repositories (search apart: search_repository.hpp). Their classes live in their
// .cpp files: each one's members are written once, where they are defined, and the database
// holds them by their interfaces.
#include <chrono>
#include <memory>

#include "storage/postgres/connection_pool.hpp"
#include "storage/repository.hpp"

namespace chatd::storage::postgres {

std::unique_ptr<UserRepository> make_user_repository(ConnectionPool& pool);
// write_timeout: the deadline of one insert_batch, commit included.
std::unique_ptr<MessageRepository> make_message_repository(ConnectionPool& pool,
                                                           std::chrono::milliseconds write_timeout);
std::unique_ptr<RecoveryRoomRepository> make_recovery_room_repository(ConnectionPool& pool);
std::unique_ptr<AuthRepository> make_auth_repository(ConnectionPool& pool);
std::unique_ptr<GroupRepository> make_group_repository(ConnectionPool& pool);
std::unique_ptr<ReactionRepository> make_reaction_repository(ConnectionPool& pool);

}  // namespace chatd::storage::postgres
