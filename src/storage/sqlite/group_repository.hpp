#pragma once
#include "storage/repository.hpp"
#include "storage/sqlite/connection_pool.hpp"

namespace chatd::storage::sqlite {

class SqliteGroupRepository final : public GroupRepository {
 public:
  explicit SqliteGroupRepository(Connections& connections) : c_(connections) {}

  Group create(const NewGroup& group, std::size_t max_members) override;
  std::optional<Group> find(std::int64_t group_id) override;
  std::optional<GroupRole> role_of(std::int64_t group_id, std::int64_t user_id) override;
  std::vector<GroupMember> members(std::int64_t group_id) override;
  Page<Group> list_for(std::int64_t user_id, int page, int per_page) override;
  std::vector<std::int64_t> group_ids_of(std::int64_t user_id) override;
  std::optional<Group> update(std::int64_t group_id, const GroupUpdate& update) override;
  std::vector<std::int64_t> add_members(std::int64_t group_id,
                                        const std::vector<std::int64_t>& user_ids,
                                        std::size_t max_members) override;
  bool set_role(std::int64_t group_id, std::int64_t user_id, GroupRole role) override;
  MemberRemoval remove_member(std::int64_t group_id, std::int64_t user_id) override;
  std::vector<GroupConversation> conversations(std::int64_t user_id) override;
  std::int64_t mark_read(std::int64_t group_id, std::int64_t user_id,
                         std::int64_t last_message_id) override;
  std::int64_t unread_count(std::int64_t group_id, std::int64_t user_id) override;

 private:
  Connections& c_;
};

}  // namespace chatd::storage::sqlite
