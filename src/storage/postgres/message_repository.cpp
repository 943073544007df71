#include "storage/postgres/repositories.hpp"

#include <algorithm>
#include <stdexcept>

#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include "storage/batch_plan.hpp"
#include "storage/postgres/array_literal.hpp"
#include "storage/postgres/rows.hpp"
#include "storage/postgres/statements.hpp"
#include "storage/query_parts.hpp"
#include "storage/text.hpp"

namespace chatd::storage::postgres {
namespace {

std::vector<Message> read_messages(const pqxx::result& r) {
  std::vector<Message> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(read_message(row));
  return out;
}

// Inserts in[fresh[0]], in[fresh[1]], ... with the ids head + 1, head + 2, ... and moves the
// log's head past them. One array per column: a single statement and a single round trip.
std::vector<Assigned> insert_fresh(pqxx::work& tx, const std::vector<NewMessage>& in,
                                   const std::vector<std::size_t>& fresh, std::int64_t head) {
  ArrayLiteral content, blob_url, is_public, sender, recipient, type, width, height, client_msg_id,
      origin, group, reply_to;
  for (const std::size_t i : fresh) {
    const auto& n = in[i];
    content.add(n.content);
    blob_url.add(n.blob_url);
    is_public.add(n.is_public);
    sender.add(n.sender_id);
    recipient.add(n.recipient_id);
    type.add(std::string_view(message_type_name(n.type)));
    width.add(n.width);
    height.add(n.height);
    client_msg_id.add(n.client_msg_id);
    origin.add(n.origin);
    group.add(n.group_id);
    reply_to.add(n.reply ? std::optional<std::int64_t>(n.reply->id) : std::nullopt);
  }
  const auto new_head = head + static_cast<std::int64_t>(fresh.size());
  const auto r = tx.exec_prepared(stmt::kMessageInsertBatch, head, content.str(), blob_url.str(),
                                  is_public.str(), sender.str(), recipient.str(), type.str(),
                                  width.str(), height.str(), client_msg_id.str(), origin.str(),
                                  group.str(), new_head, reply_to.str());
  std::vector<Assigned> assigned;
  assigned.reserve(r.size());
  for (const auto& row : r)
    assigned.push_back({row[0].as<std::int64_t>(), row[1].as<std::int64_t>(),
                        row[2].as<std::int64_t>(), row[3].as<std::string>()});
  return assigned;
}

class PgMessageRepository final : public MessageRepository {
  ConnectionPool& pool_;
  std::chrono::milliseconds write_timeout_;

 public:
  // write_timeout: the deadline of one insert_batch, commit included.
  PgMessageRepository(ConnectionPool& pool, std::chrono::milliseconds write_timeout)
      : pool_(pool), write_timeout_(write_timeout) {}

  // Gap-free, commit-ordered ids (docs/architecture.md, "Message ids are offsets"). The first
  // statement of the transaction locks the message log's single row; every insert_batch, on every
  // node, takes that lock first and holds it until it commits or rolls back. So:
  //  - the repeat look-up is a later statement, its snapshot taken after the lock was granted,
  //    hence after every earlier batch committed: it sees every earlier message with a key;
  //  - the ids head + 1 .. head + n and the new head commit together or not at all: a rollback
  //    leaves head where it was, and the next batch takes the same ids;
  //  - a batch gets the lock only once the previous holder's commit is visible (PostgreSQL
  //    releases row locks after marking the transaction committed), so the batch holding k+1
  //    commits after the one holding k: a reader that sees k+1 sees k.
  // Other writes that lock the same rows (the users named, message_totals) come after the log
  // lock in every transaction, so this order adds no deadlock.
  std::vector<Message> insert_batch(std::vector<NewMessage> in) override {
    if (in.empty()) return {};
    const auto keys = client_keys(in);
    std::string key_senders, key_ids;
    if (!keys.empty()) {
      ArrayLiteral senders, ids;
      for (const auto& k : keys) {
        senders.add(k.sender_id);
        ids.add(k.client_msg_id);
      }
      key_senders = senders.str();
      key_ids = ids.str();
    }

    struct Outcome {
      BatchPlan plan;
      std::vector<Message> stored;
      std::vector<Assigned> assigned;
    };
    // Safe to repeat after a broken connection: the transaction then never committed. Lost
    // during the commit, or past the deadline while committing, it is OutcomeUnknownError.
    auto outcome = pool_.run_within(write_timeout_, [&](pqxx::connection& c) {
      Outcome o;
      pqxx::work tx(c);
      const auto head = tx.exec_prepared1(stmt::kMessageLogLock)[0].as<std::int64_t>();
      if (!keys.empty())
        for (const auto& row : tx.exec_prepared(stmt::kMessageRepeats, key_senders, key_ids))
          o.stored.push_back(read_message(row));
      o.plan = plan_batch(in, o.stored);
      if (!o.plan.fresh.empty()) o.assigned = insert_fresh(tx, in, o.plan.fresh, head);
      tx.commit();
      return o;
    });
    return batch_result(in, outcome.plan, std::move(outcome.assigned), std::move(outcome.stored));
  }

  std::int64_t head() override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return tx.exec_prepared1(stmt::kMessageHead)[0].as<std::int64_t>();
    });
  }

  std::vector<Message> after(std::int64_t from_exclusive, std::int64_t to_inclusive,
                             std::size_t limit) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return read_messages(
          tx.exec_prepared(stmt::kMessagesAfter, from_exclusive, to_inclusive, sql_limit(limit)));
    });
  }

  std::vector<Message> replay_for(std::int64_t user_id, std::int64_t after_id,
                                  std::int64_t up_to_id, std::optional<std::int64_t> exclude_origin,
                                  std::size_t limit) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return read_messages(tx.exec_prepared(stmt::kReplayFor, user_id, after_id, up_to_id,
                                            exclude_origin, sql_limit(limit)));
    });
  }

  Page<Message> list_public(const HistoryQuery& query) override {
    const PageWindow w = history_window(query);
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      Page<Message> page;
      page.total = tx.exec_prepared1(stmt::kPublicCount)[0].as<std::int64_t>();
      // A cursor replaces the offset: the page starts right below the given id.
      page.items =
          read_messages(query.before ? tx.exec_prepared(stmt::kPublicBefore, *query.before, w.limit)
                                     : tx.exec_prepared(stmt::kPublicPage, w.limit, w.offset));
      return page;
    });
  }

  Page<Message> list_private(std::int64_t a, std::int64_t b, const HistoryQuery& query) override {
    const std::int64_t lo = std::min(a, b), hi = std::max(a, b);
    const PageWindow w = history_window(query);
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      Page<Message> page;
      page.total = tx.exec_prepared1(stmt::kPrivateCount, lo, hi)[0].as<std::int64_t>();
      page.items = read_messages(
          query.before ? tx.exec_prepared(stmt::kPrivateBefore, lo, hi, *query.before, w.limit)
                       : tx.exec_prepared(stmt::kPrivatePage, lo, hi, w.limit, w.offset));
      return page;
    });
  }

  Page<Message> list_group(std::int64_t group_id, const HistoryQuery& query) override {
    const PageWindow w = history_window(query);
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      Page<Message> page;
      page.total = tx.exec_prepared1(stmt::kGroupCount, group_id)[0].as<std::int64_t>();
      page.items = read_messages(
          query.before ? tx.exec_prepared(stmt::kGroupBefore, group_id, *query.before, w.limit)
                       : tx.exec_prepared(stmt::kGroupPage, group_id, w.limit, w.offset));
      return page;
    });
  }

  std::optional<Message> find(std::int64_t id) override {
    return pool_.run([&](pqxx::connection& c) -> std::optional<Message> {
      pqxx::nontransaction tx(c);
      auto r = tx.exec_prepared(stmt::kMessageFind, id);
      if (r.empty()) return std::nullopt;
      return read_message(r[0]);
    });
  }

  std::vector<Message> find_many(const std::vector<std::int64_t>& ids) override {
    ArrayLiteral list;
    for (const auto id : ids) list.add(id);
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return read_messages(tx.exec_prepared(stmt::kMessagesFind, list.str()));
    });
  }

  std::vector<Conversation> conversations(std::int64_t user_id) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      std::vector<Conversation> out;
      for (const auto& row : tx.exec_prepared(stmt::kConversations, user_id)) {
        Conversation conv;
        conv.peer_id = row[0].as<std::int64_t>();
        conv.peer_username = row[1].as<std::string>();
        conv.peer_profile_image = opt_text(row[2]);
        conv.unread_count = row[3].as<std::int64_t>();
        conv.last_message = read_message(row, 4);
        out.push_back(std::move(conv));
      }
      return out;
    });
  }

  std::vector<std::pair<std::int64_t, std::int64_t>> conversation_peers(
      const std::vector<std::int64_t>& users) override {
    if (users.empty()) return {};
    ArrayLiteral ids;
    for (const auto id : users) ids.add(id);
    const auto list = ids.str();
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      std::vector<std::pair<std::int64_t, std::int64_t>> out;
      for (const auto& row : tx.exec_prepared(stmt::kConversationPeers, list))
        out.emplace_back(row[0].as<std::int64_t>(), row[1].as<std::int64_t>());
      return out;
    });
  }

  void mark_read(std::int64_t reader_id, std::int64_t peer_id,
                 std::int64_t last_message_id) override {
    // Idempotent (the marker only moves forward), so a retry is harmless.
    pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      tx.exec_prepared(stmt::kMarkRead, reader_id, peer_id, last_message_id);
    });
  }

  std::int64_t unread_count(std::int64_t reader_id, std::int64_t peer_id) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return tx.exec_prepared1(stmt::kUnreadCount, reader_id, peer_id)[0].as<std::int64_t>();
    });
  }

  std::optional<Message> edit(std::int64_t id, std::int64_t sender_id,
                              const std::string& text) override {
    return pool_.run([&](pqxx::connection& c) -> std::optional<Message> {
      pqxx::work tx(c);
      auto r = tx.exec_prepared(stmt::kMessageEdit, id, sender_id, text);
      tx.commit();
      if (r.empty()) return std::nullopt;
      return read_message(r[0]);
    });
  }

  std::optional<DeletedMessage> remove(std::int64_t id, std::int64_t sender_id) override {
    return pool_.run([&](pqxx::connection& c) -> std::optional<DeletedMessage> {
      pqxx::work tx(c);
      auto r = tx.exec_prepared(stmt::kMessageRemove, id, sender_id);
      if (r.empty()) return std::nullopt;
      DeletedMessage out;
      if (r[0][0].as<bool>()) out.orphaned_key = opt_text(r[0][1]);
      tx.exec_prepared(stmt::kMessageRemoveReactions, id);
      out.tombstone = read_message(tx.exec_prepared1(stmt::kMessageFind, id));
      tx.commit();
      return out;
    });
  }

  std::vector<Message> changed_for(std::int64_t user_id, std::int64_t up_to_id, Millis since,
                                   std::size_t limit) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return read_messages(
          tx.exec_prepared(stmt::kMessagesChanged, user_id, up_to_id, since, sql_limit(limit)));
    });
  }
};

}  // namespace

std::unique_ptr<MessageRepository> make_message_repository(
    ConnectionPool& pool, std::chrono::milliseconds write_timeout) {
  return std::make_unique<PgMessageRepository>(pool, write_timeout);
}

}  // namespace chatd::storage::postgres
