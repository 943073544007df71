#include "storage/postgres/repositories.hpp"

#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include "storage/postgres/array_literal.hpp"
#include "storage/postgres/reaction_statements.hpp"
#include "storage/postgres/rows.hpp"
#include "storage/query_parts.hpp"

namespace chatd::storage::postgres {

using Outcome = ReactionChange::Outcome;

namespace {

class PgReactionRepository final : public ReactionRepository {
  ConnectionPool& pool_;

 public:
  explicit PgReactionRepository(ConnectionPool& pool) : pool_(pool) {}

  // A pqxx::work: never committed when the connection breaks, so the pool may run it again.
  ReactionChange react(std::int64_t message_id, std::int64_t user_id, const std::string& emoji,
                       std::optional<bool> on, std::size_t max_distinct) override {
    return pool_.run([&](pqxx::connection& c) -> ReactionChange {
      pqxx::work tx(c);
      const auto live = tx.exec_prepared(stmt::kReactionLockMessage, message_id);
      if (live.empty() || !live[0][0].as<bool>()) return {Outcome::kNoMessage, false};
      const bool had = !tx.exec_prepared(stmt::kReactionHas, message_id, emoji, user_id).empty();
      const bool want = on.value_or(!had);
      if (want == had) return {Outcome::kUnchanged, had};
      if (want) {
        const auto cap = static_cast<std::int64_t>(max_distinct);
        if (tx.exec_prepared1(stmt::kReactionAtCap, message_id, emoji, cap)[0].as<bool>())
          return {Outcome::kTooMany, false};
        tx.exec_prepared(stmt::kReactionInsert, message_id, emoji, user_id);
      } else {
        tx.exec_prepared(stmt::kReactionDelete, message_id, emoji, user_id);
      }
      tx.exec_prepared(stmt::kReactionTouch, message_id);
      tx.commit();
      return {Outcome::kChanged, want};
    });
  }

  std::vector<MessageReactions> for_messages(const std::vector<std::int64_t>& message_ids,
                                             std::int64_t viewer_id) override {
    ArrayLiteral ids;
    for (const auto id : message_ids) ids.add(id);
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      const auto r = tx.exec_prepared(stmt::kReactionsFor, viewer_id, ids.str());
      std::vector<MessageReactions> out;
      for (const auto& row : r) {
        const auto id = row[0].as<std::int64_t>();
        if (out.empty() || out.back().message_id != id) out.push_back({id, {}});
        out.back().reactions.push_back(
            {row[1].as<std::string>(), row[2].as<std::int64_t>(), row[3].as<bool>()});
      }
      return out;
    });
  }

  std::vector<std::int64_t> changed_for(std::int64_t user_id, std::int64_t up_to_id, Millis since,
                                        std::size_t limit) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      const auto r =
          tx.exec_prepared(stmt::kReactionsChanged, user_id, up_to_id, since, sql_limit(limit));
      std::vector<std::int64_t> out;
      out.reserve(r.size());
      for (const auto& row : r) out.push_back(row[0].as<std::int64_t>());
      return out;
    });
  }
};

}  // namespace

std::unique_ptr<ReactionRepository> make_reaction_repository(ConnectionPool& pool) {
  return std::make_unique<PgReactionRepository>(pool);
}

}  // namespace chatd::storage::postgres
