// SearchRepository contract: words found case-insensitively, every term required, prefixes,
// best match first, snippets with the matches marked, pages and totals; only what the viewer
// may read, narrowed to a conversation; edits found by their new text only, deleted messages
// and images never; the query's text never read as query syntax.
#include <algorithm>
#include <chrono>
#include <thread>

#include <pqxx/connection>
#include <pqxx/nontransaction>

#include "backend_fixture.hpp"
#include "storage/group_repository.hpp"
#include "storage/search_repository.hpp"

namespace chatd::storage::test {
namespace {

using Kind = SearchScope::Kind;

SearchQuery query(std::int64_t viewer, std::vector<SearchTerm> terms, SearchScope scope = {}) {
  SearchQuery q;
  q.viewer = viewer;
  q.terms = std::move(terms);
  q.scope = scope;
  return q;
}

std::vector<std::int64_t> ids(const Page<SearchHit>& page) {
  std::vector<std::int64_t> out;
  for (const auto& h : page.items) out.push_back(h.message.id);
  return out;
}

// The snippet with the match marks as [ and ].
std::string shown(std::string snippet) {
  std::replace(snippet.begin(), snippet.end(), kMatchOpen, '[');
  std::replace(snippet.begin(), snippet.end(), kMatchClose, ']');
  return snippet;
}

using Ids = std::vector<std::int64_t>;

TEST_P(StorageContract, SearchFindsWordsCaseInsensitivelyBestFirstWithMarkedSnippets) {
  const auto a = make_user("alice");
  const auto fox = send(a.id, std::nullopt, "the quick brown fox jumps");
  const auto foxes = send(a.id, std::nullopt, "Fox! fox, FOX.");
  send(a.id, std::nullopt, "a lazy dog");
  const auto quick = send(a.id, std::nullopt, "Quickly thinking about Ünïcode");
  auto& search = db().search();

  auto page = search.search(query(a.id, {{"fox"}}));
  EXPECT_EQ(ids(page), (Ids{foxes.id, fox.id}));  // three matches in a short text rank first
  EXPECT_EQ(page.total, 2);
  EXPECT_EQ(shown(page.items[1].snippet), "the quick brown [fox] jumps");
  EXPECT_EQ(page.items[1].message.content, "the quick brown fox jumps");
  EXPECT_EQ(page.items[1].message.sender_username, "alice");
  EXPECT_EQ(ids(search.search(query(a.id, {{"FOX"}, {"Quick"}}))), Ids{fox.id});
  EXPECT_EQ(ids(search.search(query(a.id, {{"quick"}}))), Ids{fox.id});  // words, not parts
  auto prefixed = ids(search.search(query(a.id, {{"quick", true}})));
  std::sort(prefixed.begin(), prefixed.end());
  EXPECT_EQ(prefixed, (Ids{fox.id, quick.id}));
  EXPECT_EQ(ids(search.search(query(a.id, {{"ünïcode"}}))), Ids{quick.id});
  EXPECT_EQ(ids(search.search(query(a.id, {{"unicode"}}))), Ids{});  // diacritics count
  EXPECT_EQ(search.search(query(a.id, {{"cat"}})).total, 0);
}

TEST_P(StorageContract, SearchSnippetsAreShortAndShowTheCuts) {
  const auto a = make_user("alice");
  std::string text;
  for (int i = 0; i < 40; ++i) text += "word" + std::to_string(i) + " ";
  text += "needle";
  for (int i = 40; i < 80; ++i) text += " word" + std::to_string(i);
  send(a.id, std::nullopt, text);
  const auto page = db().search().search(query(a.id, {{"needle"}}));
  ASSERT_EQ(page.items.size(), 1u);
  const auto s = shown(page.items[0].snippet);
  EXPECT_NE(s.find("[needle]"), std::string::npos) << s;
  EXPECT_TRUE(s.starts_with("…")) << s;
  EXPECT_TRUE(s.ends_with("…")) << s;
  EXPECT_LT(s.size(), 200u) << s;
}

TEST_P(StorageContract, SearchPagesThroughEveryMatchBelowACursor) {
  const auto a = make_user("alice");
  std::vector<std::int64_t> sent;
  for (int i = 0; i < 7; ++i) sent.push_back(send(a.id, std::nullopt, "same words here").id);
  auto q = query(a.id, {{"words"}});
  q.per_page = 3;
  q.page = 1;
  auto p1 = db().search().search(q);
  q.page = 3;
  auto p3 = db().search().search(q);
  EXPECT_EQ(p1.total, 7);
  EXPECT_EQ(ids(p1), (Ids{sent[6], sent[5], sent[4]}));  // equal rank: newest first
  EXPECT_EQ(ids(p3), Ids{sent[0]});
  q.page = 4;
  const auto past = db().search().search(q);
  EXPECT_TRUE(past.items.empty());
  EXPECT_EQ(past.total, 7);
  q.page = 1;
  q.before = sent[3];
  const auto older = db().search().search(q);
  EXPECT_EQ(ids(older), (Ids{sent[2], sent[1], sent[0]}));
  EXPECT_EQ(older.total, 3);
}

TEST_P(StorageContract, SearchFindsOnlyWhatTheViewerMayRead) {
  const auto a = make_user("alice"), b = make_user("bob"), c = make_user("carol");
  auto& groups = db().groups();
  const auto g = groups.create({.name = "team", .owner_id = a.id, .member_ids = {b.id}}, 10);
  const auto pub = send(c.id, std::nullopt, "secret plan public");
  const auto ab = send(a.id, b.id, "secret plan for bob");
  const auto ba = send(b.id, a.id, "secret plan reply");
  const auto bc = send(b.id, c.id, "secret plan for carol");
  NewMessage in_group = text(b.id, std::nullopt, "secret plan of the team");
  in_group.is_public = false;
  in_group.group_id = g.id;
  const auto grp = messages().insert_batch({in_group}).front();
  auto& search = db().search();
  const std::vector<SearchTerm> plan = {{"secret"}, {"plan"}};
  auto found = [&](std::int64_t viewer, SearchScope scope = {}) {
    auto got = ids(search.search(query(viewer, plan, scope)));
    std::sort(got.begin(), got.end());
    return got;
  };

  EXPECT_EQ(found(a.id), (Ids{pub.id, ab.id, ba.id, grp.id}));
  EXPECT_EQ(found(b.id), (Ids{pub.id, ab.id, ba.id, bc.id, grp.id}));
  EXPECT_EQ(found(c.id), (Ids{pub.id, bc.id}));
  EXPECT_EQ(found(a.id, {Kind::kPublic}), Ids{pub.id});
  EXPECT_EQ(found(a.id, {Kind::kPrivate, b.id}), (Ids{ab.id, ba.id}));
  EXPECT_EQ(found(b.id, {Kind::kPrivate, a.id}), (Ids{ab.id, ba.id}));
  EXPECT_EQ(found(a.id, {Kind::kPrivate, c.id}), Ids{});
  EXPECT_EQ(found(c.id, {Kind::kPrivate, a.id}), Ids{});
  EXPECT_EQ(found(a.id, {Kind::kGroup, g.id}), Ids{grp.id});
  EXPECT_EQ(found(c.id, {Kind::kGroup, g.id}), Ids{});

  // A member who leaves no longer finds the group's messages, its own included.
  groups.remove_member(g.id, b.id);
  EXPECT_EQ(found(b.id), (Ids{pub.id, ab.id, ba.id, bc.id}));
  EXPECT_EQ(found(b.id, {Kind::kGroup, g.id}), Ids{});
}

TEST_P(StorageContract, SearchFollowsEditsAndDeletesAndSkipsImages) {
  const auto a = make_user("alice"), b = make_user("bob");
  const auto m = send(a.id, b.id, "meet at the old station");
  const auto gone = send(a.id, std::nullopt, "station closed today");
  NewMessage img = text(a.id, std::nullopt, "station.png");
  img.type = MessageType::kImage;
  img.blob_url = "station.png";
  messages().insert_batch({img});
  auto& search = db().search();
  EXPECT_EQ(search.search(query(b.id, {{"station"}})).total, 2);

  ASSERT_TRUE(messages().edit(m.id, a.id, "meet at the new harbour").has_value());
  ASSERT_TRUE(messages().remove(gone.id, a.id).has_value());
  EXPECT_EQ(search.search(query(b.id, {{"station"}})).total, 0);
  EXPECT_EQ(search.search(query(b.id, {{"old"}})).total, 0);
  EXPECT_EQ(search.search(query(b.id, {{"closed"}})).total, 0);
  const auto page = search.search(query(b.id, {{"harbour"}}));
  ASSERT_EQ(ids(page), Ids{m.id});
  EXPECT_EQ(page.items[0].message.content, "meet at the new harbour");
  EXPECT_TRUE(page.items[0].message.edited_at.has_value());
  EXPECT_EQ(shown(page.items[0].snippet), "meet at the new [harbour]");
  // Edited twice: the index follows again.
  ASSERT_TRUE(messages().edit(m.id, a.id, "meet at the old station after all").has_value());
  EXPECT_EQ(ids(search.search(query(b.id, {{"station"}}))), Ids{m.id});
  EXPECT_EQ(search.search(query(b.id, {{"harbour"}})).total, 0);
}

TEST_P(StorageContract, SearchTextIsNeverQuerySyntax) {
  const auto a = make_user("alice");
  const auto m =
      send(a.id, std::nullopt, "don't say \"NEAR\" OR AND <b>bold</b> a:b it's 50% off\\");
  send(a.id, std::nullopt, "nothing to see");
  auto& search = db().search();
  for (const char* w : {"don't", "\"NEAR\"", "OR", "AND", "<b>bold</b>", "a:b", "50%", "off\\",
                        "it's", "(say", "NOT", "!", "say*", "'", "\\"}) {
    SCOPED_TRACE(w);
    const auto page = search.search(query(a.id, {{w}, {"say"}}));
    // Either found (the word's letters are in the text) or not: never an error, never the
    // other message.
    for (const auto& h : page.items) EXPECT_EQ(h.message.id, m.id);
  }
  EXPECT_EQ(ids(search.search(query(a.id, {{"don't"}}))), Ids{m.id});
  EXPECT_EQ(ids(search.search(query(a.id, {{"bold"}}))), Ids{m.id});
  EXPECT_EQ(ids(search.search(query(a.id, {{"near"}, {"or"}, {"and"}}))), Ids{m.id});
  const auto page = search.search(query(a.id, {{"bold"}}));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_NE(shown(page.items[0].snippet).find("<b>[bold]</b>"), std::string::npos)
      << shown(page.items[0].snippet);
}

TEST_P(StorageContract, SearchForgetsTheMessagesOfADeletedUser) {
  const auto a = make_user("alice"), b = make_user("bob");
  send(a.id, std::nullopt, "farewell message");
  const auto kept = send(b.id, std::nullopt, "farewell to alice");
  ASSERT_TRUE(db().auth().delete_user(a.id, {1, 0, 0}).has_value());
  EXPECT_EQ(ids(db().search().search(query(b.id, {{"farewell"}}))), Ids{kept.id});
  if (persistent() && GetParam() != Backend::kPostgres) {
    // FTS5 checks its index against the messages it was built from (throws when they differ).
    EXPECT_EQ(raw("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"),
              std::nullopt);
  }
}

// A database as the first search migrations left it (PostgreSQL 012: a stored tsvector column;
// SQLite 010), with messages: after the upgrade they are found as before, ranked and marked,
// edits and new messages too, and never the text of an image or a tombstone.
TEST_P(StorageContract, SearchFindsMessagesStoredBeforeAnUpgrade) {
  if (!persistent()) GTEST_SKIP() << "needs a second connection to the same database";
  const bool pg = GetParam() == Backend::kPostgres;
  const auto url = migrated_url(
      pg ? 12 : 10,
      {
          "INSERT INTO users (email, username, password_hash) VALUES ('a@x', 'a', 'h'), ('b@x', "
          "'b', "
          "'h')",
          "INSERT INTO messages (id, content, sender_id, recipient_id, is_public, type, blob_url)"
          " VALUES (1, 'the old station', 1, NULL, true, 'text', NULL),"
          " (2, 'Station <b>for</b> bob: station, station!', 1, 2, false, 'text', NULL),"
          " (3, 'station.png', 1, NULL, true, 'image', 'station.png'),"
          " (4, 'station closed', 2, NULL, true, 'text', NULL),"
          " (5, 'a station café', 2, 1, false, 'text', NULL)",
          "UPDATE messages SET content = '', deleted_at = updated_at WHERE id = 4",
          "UPDATE message_log SET head = 5",
      });
  auto db = open_database(url);
  auto& search = db->search();
  const auto a = *db->users().find_by_id(1);
  auto found = [&](const char* word) { return ids(search.search(query(a.id, {{word}}))); };

  EXPECT_EQ(found("station"), (Ids{2, 5, 1}));  // three times in 2; then equal, newest first
  EXPECT_EQ(found("closed"), Ids{});
  EXPECT_EQ(found("png"), Ids{});
  EXPECT_EQ(ids(search.search(query(a.id, {{"caf", true}}))), Ids{5});
  const auto bold = search.search(query(a.id, {{"for"}}));
  ASSERT_EQ(bold.items.size(), 1u);
  EXPECT_EQ(shown(bold.items[0].snippet), "Station <b>[for]</b> bob: station, station!");

  ASSERT_TRUE(db->messages().edit(1, a.id, "the new harbour").has_value());
  const auto added = db->messages().insert_batch({text(2, std::nullopt, "harbour station")});
  EXPECT_EQ(found("station"), (Ids{2, added.at(0).id, 5}));
  EXPECT_EQ(found("harbour"), (Ids{added.at(0).id, 1}));
}

// PostgreSQL indexes after the insert (migration 014): until the indexer gets to a message, the
// search reads it from the tail; edits and deletes made meanwhile outlast the indexer's row.
TEST_P(StorageContract, SearchFindsANewMessageBeforeItIsIndexed) {
  const auto a = make_user("alice");
  const bool pg = GetParam() == Backend::kPostgres;
  Message m, edited, gone;
  {
    const auto paused = pause_search_indexer();
    m = send(a.id, std::nullopt, "fresh tail words");
    edited = send(a.id, std::nullopt, "tail draft");
    gone = send(a.id, std::nullopt, "tail mistake");
    if (pg) {
      EXPECT_EQ(search_row(m.id), std::nullopt);  // really in the tail
    }
    ASSERT_TRUE(messages().edit(edited.id, a.id, "tail final").has_value());
    ASSERT_TRUE(messages().remove(gone.id, a.id).has_value());
    auto page = db().search().search(query(a.id, {{"tail"}}));
    EXPECT_EQ(ids(page), (Ids{edited.id, m.id}));
    EXPECT_EQ(page.total, 2);
    EXPECT_EQ(shown(page.items[1].snippet), "fresh [tail] words");
    EXPECT_EQ(db().search().search(query(a.id, {{"draft"}})).total, 0);
    EXPECT_EQ(db().search().search(query(a.id, {{"mistake"}})).total, 0);
  }
  wait_search_indexed(gone.id);
  if (pg) {
    EXPECT_EQ(search_row(m.id), "words");
    EXPECT_EQ(search_row(gone.id), "null");
  }
  EXPECT_EQ(ids(db().search().search(query(a.id, {{"tail"}}))), (Ids{edited.id, m.id}));
  EXPECT_EQ(ids(db().search().search(query(a.id, {{"final"}}))), Ids{edited.id});
  EXPECT_EQ(db().search().search(query(a.id, {{"draft"}})).total, 0);
  EXPECT_EQ(db().search().search(query(a.id, {{"mistake"}})).total, 0);
}

// What chatd_search_index_backlog shows: the messages past the index while the indexer is held
// off (PostgreSQL), none once it has caught up; none ever on SQLite.
TEST_P(StorageContract, SearchBacklogCountsTheMessagesNotIndexedYet) {
  const auto a = make_user("alice");
  auto backlog_reaches = [&](std::int64_t n) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (db().search_backlog() != n && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return db().search_backlog() == n;
  };
  if (GetParam() != Backend::kPostgres) {
    send(a.id, std::nullopt, "indexed at once");
    EXPECT_EQ(db().search_backlog(), 0);
    return;
  }
  Message last;
  {
    const auto paused = pause_search_indexer();
    for (int i = 0; i < 3; ++i) last = send(a.id, std::nullopt, "waiting " + std::to_string(i));
    EXPECT_TRUE(backlog_reaches(3)) << "backlog " << db().search_backlog();
  }
  wait_search_indexed(last.id);
  EXPECT_TRUE(backlog_reaches(0)) << "backlog " << db().search_backlog();
}

TEST_P(StorageContract, SearchFollowsEditsAndDeletesOfIndexedMessages) {
  const auto a = make_user("alice"), b = make_user("bob");
  const auto m = send(a.id, b.id, "indexed harbour notes");
  const auto gone = send(a.id, b.id, "indexed harbour secret");
  NewMessage img = text(a.id, std::nullopt, "harbour.png");
  img.type = MessageType::kImage;
  img.blob_url = "harbour.png";
  const auto image = messages().insert_batch({img}).front();
  wait_search_indexed(image.id);
  if (GetParam() == Backend::kPostgres) {
    EXPECT_EQ(search_row(m.id), "words");
    EXPECT_EQ(search_row(image.id), std::nullopt);
  }
  auto& search = db().search();
  EXPECT_EQ(ids(search.search(query(b.id, {{"harbour"}}))), (Ids{gone.id, m.id}));

  ASSERT_TRUE(messages().edit(m.id, a.id, "indexed station notes").has_value());
  ASSERT_TRUE(messages().remove(gone.id, a.id).has_value());
  EXPECT_EQ(search.search(query(b.id, {{"harbour"}})).total, 0);
  EXPECT_EQ(search.search(query(b.id, {{"secret"}})).total, 0);
  const auto page = search.search(query(b.id, {{"station"}}));
  ASSERT_EQ(ids(page), Ids{m.id});
  EXPECT_EQ(shown(page.items[0].snippet), "indexed [station] notes");
  EXPECT_EQ(ids(search.search(query(b.id, {{"indexed"}}))), Ids{m.id});
  // Newer messages (the tail) and indexed ones rank together.
  const auto later = send(b.id, a.id, "station station");
  EXPECT_EQ(ids(search.search(query(b.id, {{"station"}}))), (Ids{later.id, m.id}));
}

// Migration 014 moves the words of a database at 013 into the side table (tombstones and images
// have none) and starts the indexer after its last message.
TEST_P(StorageContract, SearchFindsMessagesStoredBeforeTheIndexerUpgrade) {
  if (GetParam() != Backend::kPostgres) GTEST_SKIP() << "PostgreSQL's migration 014";
  const auto url = migrated_url(
      13, {
              "INSERT INTO users (email, username, password_hash) VALUES ('a@x', 'a', 'h'),"
              " ('b@x', 'b', 'h')",
              "INSERT INTO messages (id, content, sender_id, recipient_id, is_public, type,"
              " blob_url) VALUES (1, 'the old station', 1, NULL, true, 'text', NULL),"
              " (2, 'station <b>for</b> bob', 1, 2, false, 'text', NULL),"
              " (3, 'station.png', 1, NULL, true, 'image', 'station.png'),"
              " (4, 'station closed', 2, NULL, true, 'text', NULL)",
              "UPDATE messages SET content = '', deleted_at = updated_at WHERE id = 4",
              "UPDATE message_log SET head = 4",
          });
  auto db = open_database(url);
  pqxx::connection c(url);
  pqxx::nontransaction tx(c);
  EXPECT_EQ(tx.exec1("SELECT indexed_through FROM message_search_log")[0].as<int>(), 4);
  EXPECT_EQ(tx.exec1("SELECT string_agg(message_id::text, ',' ORDER BY message_id)"
                     " FROM message_search")[0]
                .as<std::string>(),
            "1,2");
  auto& search = db->search();
  auto found = [&](const char* word) { return ids(search.search(query(1, {{word}}))); };
  EXPECT_EQ(found("station"), (Ids{1, 2}));  // one match each: the shorter text first
  EXPECT_EQ(found("closed"), Ids{});
  EXPECT_EQ(found("png"), Ids{});

  ASSERT_TRUE(db->messages().edit(1, 1, "the new harbour").has_value());
  ASSERT_TRUE(db->messages().remove(2, 1).has_value());
  const auto added = db->messages().insert_batch({text(2, std::nullopt, "harbour station")});
  EXPECT_EQ(found("station"), Ids{added.at(0).id});
  EXPECT_EQ(found("harbour"), (Ids{added.at(0).id, 1}));
}

}  // namespace
}  // namespace chatd::storage::test
