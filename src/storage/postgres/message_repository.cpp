#include "storage/postgres/message_repository.hpp"

#include <algorithm>
#include <stdexcept>

#include <pqxx/nontransaction>
#include <pqxx/transaction>

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

}  // namespace

std::vector<Message> PgMessageRepository::insert_batch(std::vector<NewMessage> in) {
  if (in.empty()) return {};
  // One array per column: the whole batch is a single statement and a single round trip.
  ArrayLiteral content, blob_url, is_public, sender, recipient, type, width, height;
  for (const auto& n : in) {
    content.add(n.content);
    blob_url.add(n.blob_url);
    is_public.add(n.is_public);
    sender.add(n.sender_id);
    recipient.add(n.recipient_id);
    type.add(std::string_view(message_type_name(n.type)));
    width.add(n.width);
    height.add(n.height);
  }
  const std::string a1 = content.str(), a2 = blob_url.str(), a3 = is_public.str(),
                    a4 = sender.str(), a5 = recipient.str(), a6 = type.str(), a7 = width.str(),
                    a8 = height.str();
  auto r = pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto result = tx.exec_prepared(stmt::kMessageInsertBatch, a1, a2, a3, a4, a5, a6, a7, a8);
    tx.commit();
    return result;
  });
  if (r.size() != in.size())
    throw std::runtime_error("insert_batch: " + std::to_string(in.size()) + " messages in, " +
                             std::to_string(r.size()) + " rows back");
  std::vector<Message> out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto row = r[static_cast<pqxx::result::size_type>(i)];
    out.push_back(stored_message(std::move(in[i]), row[0].as<std::int64_t>(),
                                 row[1].as<std::int64_t>(), row[2].as<std::int64_t>(),
                                 row[3].as<std::string>()));
  }
  return out;
}

Page<Message> PgMessageRepository::list_public(const HistoryQuery& query) {
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

Page<Message> PgMessageRepository::list_private(std::int64_t a, std::int64_t b,
                                                const HistoryQuery& query) {
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

std::optional<Message> PgMessageRepository::find(std::int64_t id) {
  return pool_.run([&](pqxx::connection& c) -> std::optional<Message> {
    pqxx::nontransaction tx(c);
    auto r = tx.exec_prepared(stmt::kMessageFind, id);
    if (r.empty()) return std::nullopt;
    return read_message(r[0]);
  });
}

std::vector<Conversation> PgMessageRepository::conversations(std::int64_t user_id) {
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

void PgMessageRepository::mark_read(std::int64_t reader_id, std::int64_t peer_id,
                                    std::int64_t last_message_id) {
  // Idempotent (the marker only moves forward), so a retry is harmless.
  pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec_prepared(stmt::kMarkRead, reader_id, peer_id, last_message_id);
  });
}

std::int64_t PgMessageRepository::unread_count(std::int64_t reader_id, std::int64_t peer_id) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx.exec_prepared1(stmt::kUnreadCount, reader_id, peer_id)[0].as<std::int64_t>();
  });
}

}  // namespace chatd::storage::postgres
