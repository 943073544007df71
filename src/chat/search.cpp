#include "chat/search.hpp"

#include "chat/error.hpp"
#include "core/parse_int.hpp"
#include "core/text.hpp"
#include "core/utf8.hpp"

namespace chatd::chat {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

ChatError invalid(const char* message) {
  return ChatError(ErrorKind::kInvalidInput, message);
}

std::vector<std::string_view> words_of(std::string_view q) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < q.size()) {
    while (i < q.size() && is_space(q[i])) ++i;
    const auto start = i;
    while (i < q.size() && !is_space(q[i])) ++i;
    if (i > start) words.push_back(q.substr(start, i - start));
  }
  return words;
}

}  // namespace

std::vector<storage::SearchTerm> search_terms(std::string_view q) {
  if (!core::valid_utf8(q) || q.find('\0') != std::string_view::npos)
    throw invalid("q must be valid UTF-8 text");
  if (core::utf8_length(q) > kMaxSearchLength) throw invalid("q must be at most 200 characters");
  const auto words = words_of(q);
  if (words.empty()) throw invalid("q should not be empty");
  std::vector<storage::SearchTerm> terms;
  for (auto word : words) {
    storage::SearchTerm term;
    while (word.ends_with('*')) {
      word.remove_suffix(1);
      term.prefix = true;
    }
    if (!core::has_word_character(word)) continue;
    if (term.prefix && core::utf8_length(word) < 2)
      throw invalid("a prefix needs at least 2 characters before *");
    term.word = std::string(word);
    terms.push_back(std::move(term));
  }
  if (terms.empty()) throw invalid("q must contain a word (letters or digits)");
  if (terms.size() > kMaxSearchWords) throw invalid("q may contain at most 8 words");
  return terms;
}

storage::SearchScope search_scope(std::string_view conversation) {
  using Kind = storage::SearchScope::Kind;
  if (conversation.empty()) return {};
  if (conversation == "public") return {Kind::kPublic};
  for (const auto& [prefix, kind] : {std::pair{std::string_view("private:"), Kind::kPrivate},
                                     std::pair{std::string_view("group:"), Kind::kGroup}}) {
    if (!conversation.starts_with(prefix)) continue;
    const auto id = core::parse_int(conversation.substr(prefix.size()));
    if (id && *id > 0) return {kind, *id};
  }
  throw invalid("conversation must be public, private:<userId> or group:<groupId>");
}

std::string conversation_of(const storage::Message& m, std::int64_t viewer) {
  if (m.is_public) return "public";
  if (m.group_id) return "group:" + std::to_string(*m.group_id);
  const auto peer = m.sender_id == viewer ? m.recipient_id.value_or(viewer) : m.sender_id;
  return "private:" + std::to_string(peer);
}

std::string snippet_html(std::string_view snippet) {
  std::string out;
  out.reserve(snippet.size() + 32);
  bool open = false;
  for (const char c : snippet) {
    switch (c) {
      case storage::kMatchOpen:
        if (!open) out += "<mark>";
        open = true;
        break;
      case storage::kMatchClose:
        if (open) out += "</mark>";
        open = false;
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  if (open) out += "</mark>";
  return out;
}

boost::asio::awaitable<storage::Page<storage::SearchHit>> MessageSearch::search(
    storage::SearchQuery q) {
  using Kind = storage::SearchScope::Kind;
  if (!limiter_.allow(q.viewer))
    throw ChatError(ErrorKind::kRateLimited, "rate limit exceeded: too many searches, slow down");
  if (q.scope.kind == Kind::kPrivate) {
    if (q.scope.id == q.viewer)
      throw invalid("conversation private:<userId> must name another user than yourself");
    const bool exists = co_await chat_.user_exists(q.scope.id);
    if (!exists) throw ChatError(ErrorKind::kNotFound, "User not found");
  } else if (q.scope.kind == Kind::kGroup) {
    co_await chat_.require_member(q.scope.id, q.viewer);
  }
  // Results carry their reactions and replies as the history does.
  auto job = [this, q = std::move(q)] {
    auto page = db_.search().search(q);
    std::vector<storage::Message*> messages;
    messages.reserve(page.items.size());
    for (auto& hit : page.items) messages.push_back(&hit.message);
    storage::fill_for_reader(db_, messages, q.viewer);
    return page;
  };
  co_return co_await pool_.run(std::move(job));
}

}  // namespace chatd::chat
