#pragma once
// Plain records shared by the storage backends and the services. Times are milliseconds since
// the Unix epoch (UTC); the HTTP edge formats them as ISO-8601 like the original's Prisma output.
// Optional inputs say "= std::nullopt" so that designated initializers ({.age = 3}) may omit them
// without tripping -Wmissing-field-initializers under -Werror.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chatd::storage {

using Millis = std::int64_t;

struct Profile {
  std::int64_t id = 0;
  std::optional<std::string> full_name;
  std::optional<std::string> profile_image;  // blob key, not a URL: links are made at read time
  std::optional<int> age;
  std::optional<std::string> location;
  std::int64_t user_id = 0;
  Millis created_at = 0;
  Millis updated_at = 0;
};

struct User {
  std::int64_t id = 0;
  std::string email;
  std::string username;
  std::string password_hash;  // argon2id encoded string; never leaves the service layer
  Millis created_at = 0;
  Millis updated_at = 0;
  std::optional<Profile> profile;
  bool disabled = false;  // by an administrator: no login, refresh or token is accepted
};

struct NewUser {
  std::string email;  // already lower-cased by the caller
  std::string username;
  std::string password_hash;
  std::optional<std::string> full_name = std::nullopt;
  std::optional<std::string> location = std::nullopt;
  std::optional<int> age = std::nullopt;
};

struct ProfileUpdate {
  std::optional<std::string> full_name = std::nullopt;
  std::optional<std::string> location = std::nullopt;
  std::optional<int> age = std::nullopt;
};

enum class SortKey { kEmail, kCreatedAt, kUpdatedAt, kUsername };
enum class SortOrder { kAsc, kDesc };

struct UserQuery {
  int page = 1;       // >= 1
  int per_page = 10;  // 1..100
  SortKey sort_by = SortKey::kCreatedAt;
  SortOrder order = SortOrder::kAsc;
  std::optional<std::string> q =
      std::nullopt;  // case-insensitive substring of username or full_name
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::int64_t total = 0;  // rows matching the query, all pages together
};

enum class MessageType { kText, kImage };

// The message another one answers, as it is stored now (filled by fill_replies, or by the
// sender's checks for a new message): callers shorten its text to a preview.
struct ReplyRef {
  std::int64_t id = 0;
  std::int64_t sender_id = 0;
  std::string sender_username;
  std::string content;  // its text now ("" for a tombstone; the blob key for an image)
  MessageType type = MessageType::kText;
  bool deleted = false;
};

// One emoji's reactions on a message, as a reader sees them.
struct ReactionCount {
  std::string emoji;
  std::int64_t count = 0;
  bool mine = false;  // the reader is one of them
};

struct Message {
  std::int64_t id = 0;
  std::string content;                  // text, or for images the blob key
  std::optional<std::string> blob_url;  // blob key for image messages
  bool is_public = true;
  std::int64_t sender_id = 0;
  std::optional<std::int64_t> recipient_id;
  MessageType type = MessageType::kText;
  std::optional<int> width;  // image dimensions, when known
  std::optional<int> height;
  Millis created_at = 0;
  Millis updated_at = 0;
  std::string sender_username;               // filled on reads (join with users)
  std::optional<std::string> client_msg_id;  // the sender's idempotency key, when it gave one
  std::optional<std::int64_t> origin;        // the sending socket's tag (see NewMessage)
  std::optional<std::int64_t> group_id;      // a group's message (is_public false, no recipient)
  // Set only in what insert_batch returns: this message repeated an earlier one's
  // (sender_id, client_msg_id), and the record is that earlier, stored message, unchanged.
  bool duplicate = false;
  std::optional<Millis> edited_at;  // when its text was last edited
  // A tombstone: the message was deleted, its content is empty and its image reference gone.
  bool deleted = false;
  // Not read with the message: filled for a reader by ReactionRepository::for_messages where
  // history is shown (empty on live deliveries, which are new messages).
  std::vector<ReactionCount> reactions;
  // The message this one answers (same conversation), if any; `reply` is that message as
  // stored now, filled where messages are shown (fill_replies; nullopt also once the answered
  // message is gone with its user: reply_to is then null too).
  std::optional<std::int64_t> reply_to;
  std::optional<ReplyRef> reply;
};

// What MessageRepository::remove leaves: the tombstone, and the deleted image's blob key when
// nothing else names it any more (for the caller to delete from the blob store).
struct DeletedMessage {
  Message tombstone;
  std::optional<std::string> orphaned_key;
};

// The longest client_msg_id callers accept (the clientMsgId); storage does not check it.
inline constexpr std::size_t kMaxClientMsgIdLength = 64;

struct NewMessage {
  std::string content;
  std::optional<std::string> blob_url = std::nullopt;
  bool is_public = true;
  std::int64_t sender_id = 0;
  std::optional<std::int64_t> recipient_id = std::nullopt;
  MessageType type = MessageType::kText;
  std::optional<int> width = std::nullopt;
  std::optional<int> height = std::nullopt;
  // Idempotency key, unique per sender: a repeat stores nothing and gets the first message back.
  // Callers validate it (1..kMaxClientMsgIdLength characters).
  std::optional<std::string> client_msg_id = std::nullopt;
  // A 64-bit tag of the socket that sent a message with a recipient, computed by the caller:
  // live delivery leaves the sending socket out, and recovery must leave out the same one
  // (MessageRepository::replay_for). Storage keeps it and compares it, nothing more.
  std::optional<std::int64_t> origin = std::nullopt;
  // A group's message: is_public false and no recipient. Callers check the sender is a member.
  std::optional<std::int64_t> group_id = std::nullopt;
  // The message it answers, which the caller found in the same conversation: storage keeps its
  // id (reply_to) and hands the reference back with the stored record, for live delivery.
  std::optional<ReplyRef> reply = std::nullopt;
};

// Newest first. Either page/per_page, or a cursor: only messages with id < before.
struct HistoryQuery {
  int page = 1;
  int per_page = 10;
  std::optional<std::int64_t> before = std::nullopt;
};

struct Conversation {
  std::int64_t peer_id = 0;
  std::string peer_username;
  std::optional<std::string> peer_profile_image;
  Message last_message;
  std::int64_t unread_count = 0;
};

}  // namespace chatd::storage
