#pragma once
#include "storage/repository.hpp"
#include "storage/sqlite/connection_pool.hpp"

namespace chatd::storage::sqlite {

class SqliteMessageRepository final : public MessageRepository {
 public:
  explicit SqliteMessageRepository(Connections& connections) : c_(connections) {}

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
  // `count_sql` yields the total and `where` filters the page of messages m; both use ?1 and ?2
  // when p1 and p2 are given.
  Page<Message> history(const std::string& count_sql, const std::string& where,
                        std::optional<std::int64_t> p1, std::optional<std::int64_t> p2,
                        const HistoryQuery& query);

  Connections& c_;
};

}  // namespace chatd::storage::sqlite
