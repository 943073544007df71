#pragma once
#include "storage/postgres/connection_pool.hpp"
#include "storage/repository.hpp"

namespace chatd::storage::postgres {

class PgReactionRepository final : public ReactionRepository {
 public:
  explicit PgReactionRepository(ConnectionPool& pool) : pool_(pool) {}

  ReactionChange react(std::int64_t message_id, std::int64_t user_id, const std::string& emoji,
                       std::optional<bool> on, std::size_t max_distinct) override;
  std::vector<MessageReactions> for_messages(const std::vector<std::int64_t>& message_ids,
                                             std::int64_t viewer_id) override;
  std::vector<std::int64_t> changed_for(std::int64_t user_id, std::int64_t up_to_id, Millis since,
                                        std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace chatd::storage::postgres
