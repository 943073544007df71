#include "chat/search.hpp"

#include <gtest/gtest.h>

namespace chatd::chat {
namespace {

using Kind = storage::SearchScope::Kind;

std::string refusal(std::string_view q) {
  try {
    search_terms(q);
  } catch (const ChatError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidInput);
    return e.what();
  }
  return "accepted";
}

TEST(SearchTerms, WordsSplitOnWhiteSpaceWithPrefixesAndWithoutPunctuationOnlyWords) {
  const auto terms = search_terms("  launch\tPlan*  -- don't \"x\" ünï ");
  ASSERT_EQ(terms.size(), 5u);
  EXPECT_EQ(terms[0].word, "launch");
  EXPECT_FALSE(terms[0].prefix);
  EXPECT_EQ(terms[1].word, "Plan");
  EXPECT_TRUE(terms[1].prefix);
  EXPECT_EQ(terms[2].word, "don't");
  EXPECT_EQ(terms[3].word, "\"x\"");
  EXPECT_EQ(terms[4].word, "ünï");
  EXPECT_TRUE(search_terms("ab**")[0].prefix);
  EXPECT_EQ(search_terms("ab**")[0].word, "ab");
  EXPECT_EQ(search_terms("éé*")[0].word, "éé");  // two characters, four bytes
}

TEST(SearchTerms, RefusalsInTheirOrder) {
  EXPECT_EQ(refusal(""), "q should not be empty");
  EXPECT_EQ(refusal(" \n\t"), "q should not be empty");
  EXPECT_EQ(refusal("\xff"), "q must be valid UTF-8 text");
  EXPECT_EQ(refusal(std::string_view("a\0b", 3)), "q must be valid UTF-8 text");
  EXPECT_EQ(refusal(std::string(201, 'x')), "q must be at most 200 characters");
  EXPECT_EQ(refusal(std::string(200, 'x')), "accepted");
  EXPECT_EQ(refusal("!!! -- * ()"), "q must contain a word (letters or digits)");
  EXPECT_EQ(refusal("a b c d e f g h"), "accepted");
  EXPECT_EQ(refusal("a b c d e f g h i"), "q may contain at most 8 words");
  EXPECT_EQ(refusal("a b c d e f g h !"), "accepted");  // a word without letters is left out
  EXPECT_EQ(refusal("a*"), "a prefix needs at least 2 characters before *");
  EXPECT_EQ(refusal("é*"), "a prefix needs at least 2 characters before *");
}

TEST(SearchScope, OneConversationOrEverything) {
  EXPECT_EQ(search_scope("").kind, Kind::kReadable);
  EXPECT_EQ(search_scope("public").kind, Kind::kPublic);
  const auto p = search_scope("private:42");
  EXPECT_EQ(p.kind, Kind::kPrivate);
  EXPECT_EQ(p.id, 42);
  const auto g = search_scope("group:7");
  EXPECT_EQ(g.kind, Kind::kGroup);
  EXPECT_EQ(g.id, 7);
  for (const char* bad : {"Public", "private:", "private:0", "private:-1", "group:x", "group:7 ",
                          "lobby", "private:1:2"})
    EXPECT_THROW(search_scope(bad), ChatError) << bad;
}

TEST(SnippetHtml, EscapesTheTextAndMarksTheMatchesBalanced) {
  EXPECT_EQ(snippet_html("a \x02<b>\x03 & \"c\" 'd'"),
            "a <mark>&lt;b&gt;</mark> &amp; &quot;c&quot; &#39;d&#39;");
  EXPECT_EQ(snippet_html("\x02open"), "<mark>open</mark>");
  EXPECT_EQ(snippet_html("x\x03y\x02\x02z\x03\x03"), "xy<mark>z</mark>");
  EXPECT_EQ(snippet_html("…plain…"), "…plain…");
}

TEST(ConversationOf, NamesTheOtherUserOfAPrivateMessage) {
  storage::Message m;
  EXPECT_EQ(conversation_of(m, 1), "public");
  m.is_public = false;
  m.sender_id = 1;
  m.recipient_id = 2;
  EXPECT_EQ(conversation_of(m, 1), "private:2");
  EXPECT_EQ(conversation_of(m, 2), "private:1");
  m.recipient_id.reset();
  m.group_id = 9;
  EXPECT_EQ(conversation_of(m, 1), "group:9");
}

}  // namespace
}  // namespace chatd::chat
