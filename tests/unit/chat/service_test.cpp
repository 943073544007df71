#include "chat/service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <set>
#include <thread>

#include "chat/turns.hpp"
#include "fakes.hpp"

namespace chatd::chat {
namespace {
namespace asio = boost::asio;
using storage::Message;
using testing::FakeDatabase;
using testing::Refusal;
using testing::refusal;
using testing::run;
using testing::run_until;

class ChatServiceTest : public ::testing::Test {
 protected:
  ChatService make_service(ChatLimits limits) {
    ImageResolver resolve = [](std::string_view url) -> std::optional<ImageRef> {
      if (!url.starts_with("/uploads/")) return std::nullopt;
      return ImageRef{std::string(url.substr(9)), 4, 3};
    };
    ImageExists exists = [this](std::string key) -> asio::awaitable<bool> {
      if (storage_down_) throw std::runtime_error("connection refused");
      co_return blobs_.contains(key);
    };
    ImageRemover remove = [this](std::string key) -> asio::awaitable<void> {
      blobs_.erase(key);
      co_return;
    };
    return ChatService(db_, pool_, writer_, limits, std::move(resolve), std::move(exists),
                       std::move(remove));
  }

  Message post_public(ChatService& chat, std::string text, std::function<void()> queued = {}) {
    return run(io_, chat.post_public(alice_, PublicPost{std::move(text)}, std::move(queued)));
  }
  Message post_private(ChatService& chat, std::int64_t to, std::string text,
                       std::function<void()> queued = {}) {
    return run(io_, chat.post_private(alice_, PrivatePost{to, std::move(text)}, std::move(queued)));
  }
  Message post_image(ChatService& chat, ImagePost post) {
    return run(io_, chat.post_image(alice_, std::move(post)));
  }

  FakeDatabase db_{{1, 2, 3}};
  core::BlockingPool pool_{2};
  BatchWriter writer_{db_};
  std::set<std::string> blobs_{"kept.4x3.png"};
  bool storage_down_ = false;
  asio::io_context io_;
  core::Principal alice_{1, "alice"};
};

constexpr ChatLimits kNoRateLimit{.max_length = 4000, .rate_per_second = 0, .burst = 0};

// The gateway's order for one socket (chat/gateway.cpp): a message takes the socket's turn,
// and the service gives it back once the message has its place in the write order.
TEST_F(ChatServiceTest, ABurstFromOneSocketKeepsItsOrderWhileAMessageWaitsForALookUp) {
  auto chat = make_service(kNoRateLimit);
  auto& users = db_.fake_users();
  users.slow_user = 2;
  users.slow_gate.close();
  testing::OpenOnExit open_on_exit{users.slow_gate};
  auto turns = std::make_shared<TurnQueue>();
  std::map<int, std::string> outcome;
  using Send = std::function<asio::awaitable<Message>(std::function<void()>)>;
  auto send = [&](int i, Send post) {
    auto task = [&, i, turns, post]() -> asio::awaitable<void> {
      co_await turns->acquire();
      Turn turn(turns);
      auto release = turn.hand_over();
      try {
        const auto stored = co_await post(std::move(release));
        outcome[i] = stored.content;
      } catch (const ChatError& e) {
        outcome[i] = e.what();
      }
    };
    asio::co_spawn(io_, std::move(task), asio::detached);
  };
  auto priv = [&](std::int64_t to, std::string text) -> Send {
    return [&chat, this, to, text](std::function<void()> release) {
      return chat.post_private(alice_, PrivatePost{to, text}, std::move(release));
    };
  };
  auto pub = [&](std::string text) -> Send {
    return [&chat, this, text](std::function<void()> release) {
      return chat.post_public(alice_, PublicPost{text}, std::move(release));
    };
  };
  send(0, priv(2, "to bob, looked up slowly"));
  send(1, pub("public after"));
  send(2, priv(3, "to carol, looked up at once"));
  send(3, priv(99, "to nobody"));
  send(4, pub("last"));

  // Everything behind the first message waits while its look-up does; nothing overtakes it.
  io_.restart();
  io_.poll();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  io_.restart();
  io_.poll();
  EXPECT_TRUE(db_.fake_messages().batches().empty());
  EXPECT_TRUE(outcome.empty());

  users.slow_gate.open();
  run_until(io_, [&] { return outcome.size() == 5; });
  EXPECT_EQ(db_.fake_messages().stored_in_order(),
            (std::vector<std::string>{"to bob, looked up slowly", "public after",
                                      "to carol, looked up at once", "last"}));
  EXPECT_EQ(outcome[3], "recipient not found");
  EXPECT_EQ(outcome[4], "last");
}

TEST_F(ChatServiceTest, PrivateMessagesRefuseOneselfThenUnknownRecipientsAndGiveTheTurnBack) {
  auto chat = make_service(kNoRateLimit);
  int queued = 0;
  auto count = [&queued] { ++queued; };
  EXPECT_EQ(refusal([&] { post_private(chat, 1, "me", count); }),
            (Refusal{ErrorKind::kInvalidInput, "cannot send a private message to yourself"}));
  EXPECT_EQ(refusal([&] { post_private(chat, 99, "nobody", count); }),
            (Refusal{ErrorKind::kNotFound, "recipient not found"}));
  EXPECT_EQ(queued, 2);  // a refused message gives the socket's turn back too
  EXPECT_TRUE(db_.fake_messages().batches().empty());

  const auto stored = post_private(chat, 2, "hi bob", count);
  EXPECT_EQ(queued, 3);
  EXPECT_EQ(stored.content, "hi bob");
  EXPECT_FALSE(stored.is_public);
  EXPECT_EQ(stored.sender_id, 1);
  EXPECT_EQ(stored.recipient_id, 2);
  EXPECT_EQ(stored.sender_username, "alice");
}

TEST_F(ChatServiceTest, ARecipientIsLookedUpOnceAndAnUnknownOneEveryTime) {
  auto chat = make_service(kNoRateLimit);
  post_private(chat, 2, "one");
  post_private(chat, 2, "two");
  EXPECT_EQ(db_.fake_users().look_ups(), 1);
  EXPECT_TRUE(refusal([&] { post_private(chat, 99, "x"); }));
  EXPECT_TRUE(refusal([&] { post_private(chat, 99, "x"); }));
  EXPECT_EQ(db_.fake_users().look_ups(), 3);
  EXPECT_TRUE(run(io_, chat.user_exists(2)));
  EXPECT_FALSE(run(io_, chat.user_exists(98)));
  EXPECT_EQ(refusal([&] { run(io_, chat.require_user(97)); }),
            (Refusal{ErrorKind::kNotFound, "recipient not found"}));
  EXPECT_EQ(refusal([&] { run(io_, chat.require_user(3)); }), std::nullopt);
}

TEST_F(ChatServiceTest, TheRateLimitCoversEveryKindOfMessageAndStoresNothingRefused) {
  auto chat = make_service(ChatLimits{.max_length = 4000, .rate_per_second = 0.001, .burst = 3});
  post_public(chat, "1");
  post_private(chat, 2, "2");
  post_image(chat, ImagePost{ImageRef{"new.4x3.png", 4, 3}});
  const Refusal limited{ErrorKind::kRateLimited,
                        "rate limit exceeded: too many messages, slow down"};
  EXPECT_EQ(refusal([&] { post_public(chat, "4"); }), limited);
  EXPECT_EQ(refusal([&] { post_private(chat, 1, "to myself"); }), limited);  // checked first
  EXPECT_EQ(db_.fake_messages().stored_in_order().size(), 3u);
}

TEST_F(ChatServiceTest, AnImageSentBackIsCheckedToBeStillStored) {
  auto chat = make_service(kNoRateLimit);
  auto kept = chat.resolve_image("/uploads/kept.4x3.png");
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept->check_stored);
  EXPECT_EQ(kept->key, "kept.4x3.png");
  EXPECT_FALSE(chat.resolve_image("https://elsewhere.example/x.png"));

  const auto stored = post_image(chat, ImagePost{*kept, 2});
  EXPECT_EQ(stored.type, storage::MessageType::kImage);
  EXPECT_EQ(stored.content, "kept.4x3.png");
  EXPECT_EQ(stored.blob_url, "kept.4x3.png");
  EXPECT_EQ(stored.width, 4);
  EXPECT_EQ(stored.height, 3);
  EXPECT_FALSE(stored.is_public);
  EXPECT_EQ(stored.recipient_id, 2);

  auto gone = chat.resolve_image("/uploads/gone.4x3.png");
  EXPECT_EQ(
      refusal([&] { post_image(chat, ImagePost{*gone}); }),
      (Refusal{ErrorKind::kInvalidInput, "imageUrl refers to an image that no longer exists"}));
  storage_down_ = true;
  EXPECT_EQ(
      refusal([&] { post_image(chat, ImagePost{*kept}); }),
      (Refusal{ErrorKind::kUnavailable, "Image storage is unavailable, please try again later"}));
  // A fresh upload is not checked: the store was just written.
  const auto fresh = post_image(chat, ImagePost{ImageRef{"fresh.4x3.png", 4, 3}});
  EXPECT_TRUE(fresh.is_public);
  EXPECT_EQ(fresh.recipient_id, std::nullopt);
}

TEST_F(ChatServiceTest, OnlyItsTwoUsersMayReadAConversation) {
  auto chat = make_service(kNoRateLimit);
  const ConversationQuery q{1, 2};
  EXPECT_EQ(refusal([&] { chat.check_viewer(1, q); }), std::nullopt);
  EXPECT_EQ(refusal([&] { chat.check_viewer(2, q); }), std::nullopt);
  EXPECT_EQ(refusal([&] { chat.check_viewer(3, q); }),
            (Refusal{ErrorKind::kForbidden, "You can only read your own conversations"}));
}

TEST_F(ChatServiceTest, AReadMarkNeedsAnotherUserThatExists) {
  auto chat = make_service(kNoRateLimit);
  EXPECT_EQ(refusal([&] {
              run(io_, chat.mark_read(1, ReadMark{1, 5}));
            }),
            (Refusal{ErrorKind::kInvalidInput, "peerId must be another user than yourself"}));
  EXPECT_EQ(refusal([&] {
              run(io_, chat.mark_read(1, ReadMark{99, 5}));
            }),
            (Refusal{ErrorKind::kNotFound, "recipient not found"}));
}

}  // namespace
}  // namespace chatd::chat
