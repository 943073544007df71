#pragma once
// Full-text search over stored messages (SQLite FTS5, PostgreSQL tsvector + GIN): the text of
// every text message that is not deleted, kept right by the database itself as messages are
// stored, edited and deleted (an edit is found by its new text only, a tombstone never).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/models.hpp"

namespace chatd::storage {

// One word of a query: the text must contain it as a word (case-insensitive, diacritics
// significant), or with `prefix` a word that starts with it. A word with punctuation inside
// ("don't", "a.b") is the phrase of its parts as the backend splits it.
struct SearchTerm {
  std::string word;
  bool prefix = false;
};

// Which conversations to search, among those the viewer may read.
struct SearchScope {
  enum class Kind { kReadable, kPublic, kPrivate, kGroup };
  Kind kind = Kind::kReadable;
  std::int64_t id = 0;  // the peer (kPrivate) or the group (kGroup)
};

struct SearchQuery {
  std::int64_t viewer = 0;
  std::vector<SearchTerm> terms;  // every one must match; at least one
  SearchScope scope = {};
  std::optional<std::int64_t> before = std::nullopt;  // only messages with a smaller id
  int page = 1;
  int per_page = 20;
};

// In a snippet, a matched word is between these two characters (they never come from the
// text: the caller turns them into highlighting).
inline constexpr char kMatchOpen = '\x02';
inline constexpr char kMatchClose = '\x03';

struct SearchHit {
  Message message;
  // Some words of the text around its best matches (about 16), with "…" where the text was
  // cut; the whole text when it is short.
  std::string snippet;
};

class SearchRepository {
 public:
  virtual ~SearchRepository() = default;
  // The messages matching every term that the viewer may read now (public ones, the private
  // ones it sent or received, those of the groups it is a member of), narrowed to the scope
  // (kGroup: none unless the viewer is a member), best match first (the backend's relevance
  // rank; ties: newest first), one page of them; total counts every match.
  virtual Page<SearchHit> search(const SearchQuery& query) = 0;
};

}  // namespace chatd::storage
