#pragma once
#include <chrono>

#include "storage/postgres/connection_pool.hpp"
#include "storage/repository.hpp"

namespace chatd::storage::postgres {

class PgMessageRepository final : public MessageRepository {
 public:
  // write_timeout: the deadline of one insert_batch, commit included.
  PgMessageRepository(ConnectionPool& pool, std::chrono::milliseconds write_timeout)
      : pool_(pool), write_timeout_(write_timeout) {}

  std::vector<Message> insert_batch(std::vector<NewMessage> messages) override;
  std::int64_t head() override;
  std::vector<Message> after(std::int64_t from_exclusive, std::int64_t to_inclusive,
                             std::size_t limit) override;
  std::vector<Message> replay_for(std::int64_t user_id, std::int64_t after_id,
                                  std::int64_t up_to_id, std::optional<std::int64_t> exclude_origin,
                                  std::size_t limit) override;
  Page<Message> list_public(const HistoryQuery& query) override;
  Page<Message> list_private(std::int64_t a, std::int64_t b, const HistoryQuery& query) override;
  Page<Message> list_group(std::int64_t group_id, const HistoryQuery& query) override;
  std::optional<Message> find(std::int64_t id) override;
  std::vector<Message> find_many(const std::vector<std::int64_t>& ids) override;
  std::vector<Conversation> conversations(std::int64_t user_id) override;
  std::vector<std::pair<std::int64_t, std::int64_t>> conversation_peers(
      const std::vector<std::int64_t>& users) override;
  void mark_read(std::int64_t reader_id, std::int64_t peer_id,
                 std::int64_t last_message_id) override;
  std::int64_t unread_count(std::int64_t reader_id, std::int64_t peer_id) override;
  std::optional<Message> edit(std::int64_t id, std::int64_t sender_id,
                              const std::string& text) override;
  std::optional<DeletedMessage> remove(std::int64_t id, std::int64_t sender_id) override;
  std::vector<Message> changed_for(std::int64_t user_id, std::int64_t up_to_id, Millis since,
                                   std::size_t limit) override;

 private:
  ConnectionPool& pool_;
  std::chrono::milliseconds write_timeout_;
};

}  // namespace chatd::storage::postgres
