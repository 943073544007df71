#pragma once
// Repository interfaces. Every call blocks: services run them on the blocking pool, never on an
// I/O thread. Implementations are thread-safe (a connection per call from a pool, or a lock).
// A call the database cannot serve now throws UnavailableError (storage/errors.hpp), or
// OutcomeUnknownError for a write that may have been committed.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/auth_repository.hpp"
#include "storage/errors.hpp"
#include "storage/group_repository.hpp"
#include "storage/models.hpp"
#include "storage/options.hpp"
#include "storage/reaction_repository.hpp"
#include "storage/search_repository.hpp"

namespace chatd::storage {

// A unique constraint was violated; `field` is "email" or "username".
class DuplicateError : public std::runtime_error {
 public:
  explicit DuplicateError(std::string field)
      : std::runtime_error("duplicate " + field), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

// The outcome of UserRepository::set_profile_image.
struct ReplacedProfileImage {
  // The previous image's key when nothing references it any more, for the caller to delete;
  // nullopt when there was none, it is the new key itself, or a message or profile still uses it.
  std::optional<std::string> orphaned_key;
};

class UserRepository {
 public:
  virtual ~UserRepository() = default;
  // Creates the user and, always, an (possibly empty) profile row. Throws DuplicateError.
  virtual User create(const NewUser& user) = 0;
  virtual std::optional<User> find_by_id(std::int64_t id) = 0;
  // Email comparison is case-insensitive.
  virtual std::optional<User> find_by_email(const std::string& email) = 0;
  // Usernames compare exactly, as their unique index does.
  virtual std::optional<User> find_by_username(const std::string& username) = 0;
  virtual Page<User> list(const UserQuery& query) = 0;
  // Creates the profile row if missing. Returns the user, or nullopt if there is no such user.
  virtual std::optional<User> update_profile(std::int64_t user_id, const ProfileUpdate& update) = 0;
  // Sets profile_image (creating the profile if needed). The previous image is reported as
  // orphaned only when, in the same transaction, no message and no other profile names its key:
  // send_image accepts avatar URLs, so a message may share an avatar's blob, and deleting that
  // blob would break the message's image for good.
  //
  // Ordering: the check sees every message committed before it runs (PostgreSQL: before the
  // statement's snapshot; SQLite: before the IMMEDIATE transaction took the write lock), and
  // such a message keeps the blob. A message committed later is not seen. send_image refuses a
  // URL whose blob no longer exists, but checks before it queues the message: a send_image naming
  // the old avatar's URL that passed that check and is still queued in the BatchWriter or in an
  // open insert transaction when the avatar is replaced (or that checked between this commit and
  // the caller's delete) stores a message whose image may be deleted. Locking messages here
  // would only narrow that window, at a cost to every insert; closing it takes a liveness check
  // where image messages are stored.
  virtual ReplacedProfileImage set_profile_image(std::int64_t user_id,
                                                 const std::string& image_key) = 0;
};

class MessageRepository {
 public:
  virtual ~MessageRepository() = default;
  // Stores the messages in one transaction, in order, and returns one record per message, in
  // the same order. Taken by value: the stored rows reuse the messages' strings.
  //
  // Ids are offsets (docs/architecture.md, "Message ids are offsets"): the new messages get the
  // next ids of the message log, head + 1, head + 2, ..., with no gap, and a message with id k+1
  // is only ever visible once every message up to k is.
  //
  // Idempotent sends: a message whose (sender_id, client_msg_id) is already stored, or appeared
  // earlier in the same batch, is not stored again and consumes no id; its record is the first
  // message with that key as stored (id, created_at, content, ...: the first one wins, even if
  // the repeat's content differs), with duplicate = true.
  //
  // All or nothing: on an error (e.g. an unknown sender) nothing is stored and no id is used.
  virtual std::vector<Message> insert_batch(std::vector<NewMessage> messages) = 0;
  // The newest committed id (0 when none was ever stored). Every id <= head() is committed and
  // visible to any later read, except messages deleted since (with their user, by
  // AuthRepository::delete_user).
  virtual std::int64_t head() = 0;
  // The messages with from_exclusive < id <= to_inclusive, in id order, at most `limit`: with
  // to_inclusive <= head() this is every message of the range (contiguous ids unless deleted).
  virtual std::vector<Message> after(std::int64_t from_exclusive, std::int64_t to_inclusive,
                                     std::size_t limit) = 0;
  // What user_id's socket heard live in after_id < id <= up_to_id, in id order, at most
  // `limit` (ask for cap + 1 to learn whether there are more than cap): every public message,
  // and the private messages (text or image) user_id sent or received, except those user_id
  // sent with origin == exclude_origin (live delivery left the sending socket out), and the
  // messages of the groups user_id is a member of now, except those it sent with that origin.
  // Public messages are never excluded: their sender hears them too.
  virtual std::vector<Message> replay_for(std::int64_t user_id, std::int64_t after_id,
                                          std::int64_t up_to_id,
                                          std::optional<std::int64_t> exclude_origin,
                                          std::size_t limit) = 0;
  virtual Page<Message> list_public(const HistoryQuery& query) = 0;
  // Both directions between a and b.
  virtual Page<Message> list_private(std::int64_t a, std::int64_t b, const HistoryQuery& query) = 0;
  // One group's messages.
  virtual Page<Message> list_group(std::int64_t group_id, const HistoryQuery& query) = 0;
  virtual std::optional<Message> find(std::int64_t id) = 0;
  // The messages among `ids` that exist, in no particular order (repeats: once).
  virtual std::vector<Message> find_many(const std::vector<std::int64_t>& ids) = 0;
  // The caller's 1:1 conversations, most recent first.
  virtual std::vector<Conversation> conversations(std::int64_t user_id) = 0;
  // For each of `users`, the users it shares a 1:1 conversation with (a private message, text
  // or image, in either direction): (user, peer) pairs, each once, in no particular order.
  virtual std::vector<std::pair<std::int64_t, std::int64_t>> conversation_peers(
      const std::vector<std::int64_t>& users) = 0;
  // Marks messages from peer to reader with id <= last_message_id as read (never moves back).
  virtual void mark_read(std::int64_t reader_id, std::int64_t peer_id,
                         std::int64_t last_message_id) = 0;
  virtual std::int64_t unread_count(std::int64_t reader_id, std::int64_t peer_id) = 0;

  // Edits and deletes work on one message by id; who may do them is the caller's rule, storage
  // only checks that `sender_id` sent it, so that a check and a concurrent change cannot cross.
  //
  // Replaces the text of the text message `id` that `sender_id` sent, unless it is deleted:
  // content = text, edited_at = updated_at = now. Returns it as stored now, or nullopt when no
  // message qualifies (no such id, another sender, an image, a tombstone).
  virtual std::optional<Message> edit(std::int64_t id, std::int64_t sender_id,
                                      const std::string& text) = 0;
  // Turns the message `id` that `sender_id` sent into a tombstone, unless it is one already:
  // content "" and no blob_url, width or height; deleted_at = updated_at = now. Its id, sender,
  // recipient, type and times stay (history pages, totals and read markers do not move). In the
  // same transaction, the image's key is reported orphaned when no other message and no profile
  // names it (see UserRepository::set_profile_image for what "names" sees), and its reactions
  // are deleted (a tombstone has none; ReactionRepository::changed_for no longer names it).
  // nullopt when no message qualifies.
  virtual std::optional<DeletedMessage> remove(std::int64_t id, std::int64_t sender_id) = 0;
  // The messages with id <= up_to_id that user_id may read (public ones, the private ones it
  // sent or received, those of its groups), edited or deleted at a time > since, in id order, at
  // most `limit`: what a socket that was in sync at `since` may have missed of the messages it
  // already had.
  virtual std::vector<Message> changed_for(std::int64_t user_id, std::int64_t up_to_id,
                                           Millis since, std::size_t limit) = 0;
};

// Fills `reply` of each message that answers another (reply_to set) with that message as stored
// now: one find_many for them all, none when no message answers another.
void fill_replies(MessageRepository& repo, std::vector<Message>& messages);

// The rooms a socket had joined, kept durably for connection-state recovery: a client may come
// back after a crash or restart, or on another node. `key` names the session (e.g. its socket
// id); rooms are the caller's names.
class RecoveryRoomRepository {
 public:
  virtual ~RecoveryRoomRepository() = default;
  // Records the room for the session; adding it again refreshes its time.
  virtual void add(const std::string& key, const std::string& room) = 0;
  // The session's rooms, sorted by name.
  virtual std::vector<std::string> list(const std::string& key) = 0;
  // Deletes the entries added (or refreshed) more than `older_than` milliseconds ago; returns
  // how many.
  virtual std::int64_t prune(Millis older_than) = 0;
};

class Database {
 public:
  virtual ~Database() = default;
  virtual UserRepository& users() = 0;
  virtual MessageRepository& messages() = 0;
  virtual RecoveryRoomRepository& recovery_rooms() = 0;
  virtual AuthRepository& auth() = 0;
  virtual GroupRepository& groups() = 0;
  virtual ReactionRepository& reactions() = 0;
  virtual SearchRepository& search() = 0;
  // True when the database answers a trivial query within about `within` (PostgreSQL: false at
  // once while it is known down; the query runs on a connection of its own, never waiting for
  // the pool's). May take longer when it has to connect first: callers who must answer in time
  // put their own deadline around it.
  virtual bool ping(std::chrono::milliseconds within) = 0;
  virtual std::string backend_name() const = 0;
  // True while chatd has found the database unreachable and every call fails at once until it
  // reconnects (PostgreSQL; a SQLite file is never "down"). Never waits for the database.
  virtual bool known_down() const { return false; }
  // Stored messages the search index does not hold yet (PostgreSQL indexes them in the
  // background; SQLite in the insert's transaction: always 0). Never waits for the database.
  virtual std::int64_t search_backlog() const { return 0; }
};

// What a reader sees of stored messages beyond their rows, wherever a REST Message is shown
// (history, search, the conversation list, an edit's answer): each one's reactions, `mine` for
// viewer_id (fill_reactions; none for a tombstone), and the message it answers (fill_replies).
void fill_for_reader(Database& db, std::vector<Message>& messages, std::int64_t viewer_id);
// The same for messages held in other records (search hits, conversations), filled in place.
void fill_for_reader(Database& db, const std::vector<Message*>& messages, std::int64_t viewer_id);

// Opens the backend named by the URL ("sqlite://path" or "postgresql://..."/"postgres://..."),
// applies pending migrations, and returns it. Throws std::runtime_error with a clear message.
// The options' deadlines apply to PostgreSQL.
std::unique_ptr<Database> open_database(const std::string& url,
                                        const DatabaseOptions& options = {});

}  // namespace chatd::storage
