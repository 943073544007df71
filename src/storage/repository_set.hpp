#pragma once
// What the two backends' Database classes share: their repositories, each made by the backend
// (make_*_repository) and held by its interface here, and the accessors over them.
#include <memory>

#include "storage/repository.hpp"

namespace chatd::storage {

struct Repositories {
  std::unique_ptr<UserRepository> users;
  std::unique_ptr<MessageRepository> messages;
  std::unique_ptr<RecoveryRoomRepository> recovery_rooms;
  std::unique_ptr<AuthRepository> auth;
  std::unique_ptr<GroupRepository> groups;
  std::unique_ptr<ReactionRepository> reactions;
  std::unique_ptr<SearchRepository> search;
};

// A backend derives from it and keeps the connections the repositories use. Those are its own
// members, so they are destroyed before the repositories: a repository must not use its
// connections when it is destroyed.
class RepositoryDatabase : public Database {
 public:
  explicit RepositoryDatabase(Repositories r) : r_(std::move(r)) {}

  UserRepository& users() override { return *r_.users; }
  MessageRepository& messages() override { return *r_.messages; }
  RecoveryRoomRepository& recovery_rooms() override { return *r_.recovery_rooms; }
  AuthRepository& auth() override { return *r_.auth; }
  GroupRepository& groups() override { return *r_.groups; }
  ReactionRepository& reactions() override { return *r_.reactions; }
  SearchRepository& search() override { return *r_.search; }

 private:
  Repositories r_;
};

}  // namespace chatd::storage
