#pragma once
// The chat rules: rate-limit, check recipients, store (through the batched writer), read history.
// It takes the plain inputs of chat/input.hpp, parsed by the gateway or the REST routes, and
// refuses with ChatError; the transports turn that into their answers. Delivery is the caller's
// job too (through ChatEvents), after the store.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "chat/batch_writer.hpp"
#include "chat/error.hpp"
#include "chat/input.hpp"
#include "chat/rate_limiter.hpp"
#include "core/blocking_pool.hpp"
#include "core/principal.hpp"
#include "storage/repository.hpp"

namespace chatd::chat {

struct ChatLimits {
  std::size_t max_length = 4000;
  double rate_per_second = 10;
  double burst = 20;
  // How long after its arrival a message over the rate may wait for a token before it is
  // refused (MESSAGE_RATE_WAIT_MS); zero refuses it at once.
  std::chrono::milliseconds max_wait{5000};
};

// Maps a URL a client sends back to the image chatd issued, or nullopt for any other URL.
// Looks at the URL only: no I/O.
using ImageResolver = std::function<std::optional<ImageRef>(std::string_view url)>;
// Whether a blob is stored under key (BlobStore::exists): false when it is not, throws when
// storage cannot tell.
using ImageExists = std::function<boost::asio::awaitable<bool>(std::string key)>;
// Deletes the blob under key (BlobStore::remove: a failure is logged, never thrown).
using ImageRemover = std::function<boost::asio::awaitable<void>(std::string key)>;

class ChatService {
 public:
  ChatService(storage::Database& db, core::BlockingPool& pool, BatchWriter& writer,
              ChatLimits limits, ImageResolver resolve_image, ImageExists image_exists,
              ImageRemover remove_image);

  const ChatLimits& limits() const { return limits_; }
  // The image behind a URL chatd issued, marked check_stored; nullopt for any other URL.
  std::optional<ImageRef> resolve_image(std::string_view url) const;

  // Sending. Refusals, in this order: kRateLimited; for a recipient kInvalidInput (oneself),
  // then kNotFound ("recipient not found"); for a reply (origin.reply_to) those of attach_reply,
  // after the recipient's or group's checks; for an image marked check_stored kInvalidInput (its
  // blob is gone) or kUnavailable (storage cannot tell). A storage failure propagates as it is.
  // on_queued: see BatchWriter::store. It also runs when the message is refused.
  // arrived: when the message came in (a socket's messages may wait for their turn first); over
  // the rate, it waits for a token until limits().max_wait after that, else it is refused.
  using Clock = std::chrono::steady_clock;
  boost::asio::awaitable<storage::Message> post_public(core::Principal sender, PublicPost post,
                                                       std::function<void()> on_queued = {},
                                                       Clock::time_point arrived = Clock::now());
  boost::asio::awaitable<storage::Message> post_private(core::Principal sender, PrivatePost post,
                                                        std::function<void()> on_queued = {},
                                                        Clock::time_point arrived = Clock::now());
  // To a group: kNotFound (kGroupNotFound) unless the sender is a member.
  boost::asio::awaitable<storage::Message> post_group(core::Principal sender, GroupPost post,
                                                      std::function<void()> on_queued = {},
                                                      Clock::time_point arrived = Clock::now());
  boost::asio::awaitable<storage::Message> post_image(core::Principal sender, ImagePost post,
                                                      std::function<void()> on_queued = {},
                                                      Clock::time_point arrived = Clock::now());

  // Edits and deletes (chat/message_changes.cpp), by message id. Refusals, in this order:
  // kRateLimited (they share the posts' token bucket, waiting as a post does); kNotFound
  // "message not found" unless the user may read it (chat/access.hpp: a stranger learns
  // nothing of it); kForbidden unless the user sent it. The caller announces the change.
  // Edit: kInvalidInput "message was deleted", "images cannot be edited". The edited message
  // comes back filled as history shows it to its sender.
  boost::asio::awaitable<storage::Message> edit_message(core::Principal user, MessageEdit edit,
                                                        Clock::time_point arrived = Clock::now());
  struct Deletion {
    storage::Message tombstone;
    bool now = false;  // deleted by this call; false: it already was (nothing to announce)
  };
  // Delete: a message deleted before is accepted again (a client may retry). The image of a
  // deleted image message is removed from the blob store when nothing else names it.
  boost::asio::awaitable<Deletion> delete_message(core::Principal user, std::int64_t id,
                                                  Clock::time_point arrived = Clock::now());

  // Reactions (chat/reactions.cpp). Refusals, in this order: kRateLimited (the posts' bucket);
  // kNotFound "message not found" unless the user may read it; kInvalidInput "message was
  // deleted", or "at most kMaxReactionEmojis different reactions per message" for a new emoji
  // on a message that has that many. The caller announces a change.
  static constexpr std::size_t kMaxReactionEmojis = 20;
  struct Reacted {
    storage::Message message;  // as stored, to find its conversation
    bool on = false;           // the user's reaction is there now
    bool changed = false;      // false: it already was as asked (nothing to announce)
    std::vector<storage::ReactionCount> reactions;  // the message's now, `mine` for the user
  };
  boost::asio::awaitable<Reacted> react(core::Principal user, ReactionInput input,
                                        Clock::time_point arrived = Clock::now());

  boost::asio::awaitable<bool> user_exists(std::int64_t id);
  // ChatError kNotFound "recipient not found" unless the user exists.
  boost::asio::awaitable<void> require_user(std::int64_t id);
  // The user's sessions ended (a password change, or `chatd user disable|delete`): the next
  // message naming it asks the database again whether it still exists.
  void forget_user(std::int64_t id);

  // History pages carry each message's reactions as `viewer` sees them, and replies
  // (storage::fill_for_reader).
  boost::asio::awaitable<storage::Page<storage::Message>> public_history(std::int64_t viewer,
                                                                         storage::HistoryQuery q);
  // ChatError kForbidden unless the viewer is one of the conversation's two users.
  void check_viewer(std::int64_t viewer, const ConversationQuery& q) const;
  // Once check_viewer accepted the viewer.
  boost::asio::awaitable<storage::Page<storage::Message>> private_history(std::int64_t viewer,
                                                                          ConversationQuery q);
  // The user's 1:1 conversations, each last message filled as history pages are.
  boost::asio::awaitable<std::vector<storage::Conversation>> conversations(std::int64_t user);
  // The user's role in the group; kNotFound (kGroupNotFound) for a non-member, so that nobody
  // learns that a group they are not in exists.
  boost::asio::awaitable<storage::GroupRole> require_member(std::int64_t group, std::int64_t user);
  // A group's history, for a member (else kNotFound).
  boost::asio::awaitable<storage::Page<storage::Message>> group_history(std::int64_t viewer,
                                                                        std::int64_t group,
                                                                        storage::HistoryQuery q);
  struct ReadMarker {
    // The message the marker now names: last_message_id, or when that is no message of this
    // conversation, the newest one before it (0 if none). A receipt never names a message that
    // does not exist yet, so the peer cannot take future messages for read.
    std::int64_t last_message_id = 0;
    std::int64_t unread_count = 0;  // left for the reader (0 unless newer messages arrived)
  };
  // kInvalidInput for oneself, then kNotFound for an unknown peer. For a group (mark.group):
  // kNotFound for a non-member; the marker names the group's newest message at or below
  // last_message_id and never moves back.
  boost::asio::awaitable<ReadMarker> mark_read(std::int64_t reader, ReadMark mark);

 private:
  // How long the message must wait for its token; throws kRateLimited when it may not.
  Clock::duration book_token(std::int64_t user, Clock::time_point arrived);
  // The fast half of require_user: once seen, an id needs no second look-up (and the hot path
  // no coroutine call) until forget_user.
  bool known_user(std::int64_t id);
  // known_user for a recipient, after refusing oneself (kInvalidInput).
  bool known_recipient(std::int64_t sender, std::int64_t recipient);
  // The slow half: asks the database, and remembers a user found.
  boost::asio::awaitable<bool> look_up_user(std::int64_t id);
  boost::asio::awaitable<ReadMarker> mark_group_read(std::int64_t reader, std::int64_t group,
                                                     std::int64_t last_message_id);
  // ChatError unless a blob is stored under key.
  boost::asio::awaitable<void> check_stored(std::string key);
  // The send path of every post_*: rate limit, recipient, group membership, the image's blob
  // (check_blob), reply, batch writer.
  boost::asio::awaitable<storage::Message> post_message(core::Principal sender,
                                                        storage::NewMessage m, PostOrigin origin,
                                                        bool check_blob,
                                                        std::function<void()> on_queued,
                                                        Clock::time_point arrived);
  // The rate limit's wait, or its refusal, for a user's operation that arrived then.
  boost::asio::awaitable<void> take_token(std::int64_t user, Clock::time_point arrived);
  // Makes m answer the message `id` (chat/replies.cpp): kInvalidInput "replyTo must be a message
  // of this conversation" unless it is one of m's conversation (also when it does not exist),
  // "replyTo: message was deleted" for a tombstone.
  boost::asio::awaitable<void> attach_reply(storage::NewMessage& m, std::int64_t id);
  // The message `id` if the user may read it, else kNotFound.
  boost::asio::awaitable<storage::Message> readable_message(std::int64_t user, std::int64_t id);
  // The message `id` as the user may change it: kNotFound or kForbidden (see edit_message).
  boost::asio::awaitable<storage::Message> own_message(std::int64_t user, std::int64_t id,
                                                       const char* verb);

  storage::Database& db_;
  core::BlockingPool& pool_;
  BatchWriter& writer_;
  ChatLimits limits_;
  RateLimiter limiter_;
  ImageResolver resolve_image_;
  ImageExists image_exists_;
  ImageRemover remove_image_;
  std::mutex known_mutex_;
  std::unordered_set<std::int64_t> known_users_;
};

}  // namespace chatd::chat
