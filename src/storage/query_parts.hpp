#pragma once
// The parts of queries, and of their results, that the SQLite and PostgreSQL repositories share:
// SQL text both dialects spell the same, the LIMIT/OFFSET of a page, and the Message an insert
// returns. Pure functions only; each backend keeps its own dialect and its own row readers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "storage/models.hpp"

namespace chatd::storage {

// FROM clauses (without the FROM keyword) matching each backend's user and message column lists.
inline constexpr const char* kUsersWithProfiles =
    "users u LEFT JOIN profiles p ON p.user_id = u.id";
inline constexpr const char* kMessagesWithSenders = "messages m JOIN users u ON u.id = m.sender_id";

// The column the user list is ordered by (alias u, as in kUsersWithProfiles).
const char* user_sort_column(SortKey key);

// LIMIT and OFFSET of a 1-based page; nonsense input is clamped rather than left for the
// database to reject.
struct PageWindow {
  std::int64_t limit = 1;
  std::int64_t offset = 0;
};
PageWindow page_window(int page, int per_page);

// The same for chat history: with a `before` cursor the page starts right below that id, so the
// offset is 0.
PageWindow history_window(const HistoryQuery& query);

// A result count for LIMIT: SIZE_MAX (no cap) and anything above INT64_MAX become INT64_MAX.
std::int64_t sql_limit(std::size_t limit);

// A group's members as given: each id once, in the order of first appearance, without `except`
// (the owner, who is a member already).
std::vector<std::int64_t> distinct_ids(const std::vector<std::int64_t>& ids, std::int64_t except);

// The Message stored for `in`, given what the database assigned to it; the second form takes
// in's strings instead of copying them.
Message stored_message(const NewMessage& in, std::int64_t id, Millis created_at, Millis updated_at,
                       std::string sender_username);
Message stored_message(NewMessage&& in, std::int64_t id, Millis created_at, Millis updated_at,
                       std::string sender_username);

}  // namespace chatd::storage
