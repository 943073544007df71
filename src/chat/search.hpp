#pragma once
// Message search (GET /api/chat/search, docs/rest.md "Search"): the query's words and
// conversation as the route takes them, who may search what, and the snippets as HTML. The
// ranking and the index are the storage's (storage::SearchRepository). Refusals are ChatError.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chat/rate_limiter.hpp"
#include "chat/service.hpp"
#include "core/blocking_pool.hpp"
#include "storage/repository.hpp"

namespace chatd::chat {

// What q may hold.
inline constexpr std::size_t kMaxSearchLength = 200;  // code points
inline constexpr std::size_t kMaxSearchWords = 8;

// q's words: split on white space, a trailing `*` makes a word a prefix (at least 2 characters
// before it), words without a letter or digit are left out. kInvalidInput "q should not be
// empty", "q must be valid UTF-8 text", "q must be at most 200 characters", "q must contain a
// word (letters or digits)", "q may contain at most 8 words", "a prefix needs at least 2
// characters before *".
std::vector<storage::SearchTerm> search_terms(std::string_view q);

// `conversation`: absent or "" (everything the caller may read), "public", "private:<userId>"
// or "group:<groupId>"; else kInvalidInput.
storage::SearchScope search_scope(std::string_view conversation);

// The conversation a message belongs to as `viewer` names it: "public", "private:<the other
// user>" or "group:<id>".
std::string conversation_of(const storage::Message& m, std::int64_t viewer);

// A snippet (storage::kMatchOpen / kMatchClose around matches) as HTML: the text escaped (&, <,
// >, ", '), each match in <mark>...</mark>, always balanced.
std::string snippet_html(std::string_view snippet);

class MessageSearch {
 public:
  // rate_per_second, burst: each user's token bucket, per node (SEARCH_RATE_PER_SECOND,
  // SEARCH_BURST): a search ranks every match, so searches are limited apart from messages.
  MessageSearch(storage::Database& db, core::BlockingPool& pool, ChatService& chat,
                double rate_per_second, double burst)
      : db_(db), pool_(pool), chat_(chat), limiter_(rate_per_second, burst) {}

  // kRateLimited beyond the rate; for a private conversation kInvalidInput (oneself) or
  // kNotFound "User not found", for a group kNotFound "Group not found" unless a member.
  boost::asio::awaitable<storage::Page<storage::SearchHit>> search(storage::SearchQuery q);

 private:
  storage::Database& db_;
  core::BlockingPool& pool_;
  ChatService& chat_;
  RateLimiter limiter_;
};

}  // namespace chatd::chat
