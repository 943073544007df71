#pragma once
// The chat rules: validate, rate-limit, store (through the batched writer), read history.
// Delivery is the caller's job (gateway or routes, through ChatEvents), after the store.
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_set>

#include "chat/batch_writer.hpp"
#include "chat/rate_limiter.hpp"
#include "core/blocking_pool.hpp"
#include "http/message.hpp"
#include "storage/repository.hpp"

namespace chatd::chat {

// A request the rules refuse; status is the HTTP status the REST routes answer with.
class ChatError : public std::runtime_error {
 public:
  ChatError(int status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

struct ChatLimits {
  std::size_t max_length = 4000;
  double rate_per_second = 10;
  double burst = 20;
};

struct ImageRef {
  std::string key;  // blob key
  std::optional<int> width, height;
  // Set for a URL a client sent back (resolve_image): its blob may have been deleted since it
  // was issued (a replaced avatar), so post_image checks it is still stored. An upload just
  // made needs no check.
  bool check_stored = false;
};
// Maps a URL a client sends back to the image chatd issued, or nullopt for any other URL.
// Looks at the URL only: no I/O.
using ImageResolver = std::function<std::optional<ImageRef>(std::string_view url)>;
// Whether a blob is stored under key (BlobStore::exists): false when it is not, throws when
// storage cannot tell.
using ImageExists = std::function<boost::asio::awaitable<bool>(std::string key)>;

class ChatService {
 public:
  ChatService(storage::Database& db, core::BlockingPool& pool, BatchWriter& writer,
              ChatLimits limits, ImageResolver resolve_image, ImageExists image_exists);

  // Text after validation: a string, not blank, at most max_length characters.
  std::string validate_text(const boost::json::value* value) const;
  // A positive integer id, given as a number or a numeric string.
  static std::int64_t parse_id(const boost::json::value* value, const char* field);
  // The image behind a URL chatd issued, marked check_stored; nullopt for any other URL.
  std::optional<ImageRef> resolve_image(std::string_view url) const;

  // on_queued: see BatchWriter::store. It also runs when the message is refused.
  boost::asio::awaitable<storage::Message> post_public(core::Principal sender, std::string text,
                                                       std::function<void()> on_queued = {});
  boost::asio::awaitable<storage::Message> post_private(core::Principal sender,
                                                        std::int64_t recipient, std::string text,
                                                        std::function<void()> on_queued = {});
  // When image.check_stored, refuses (ChatError 400) an image whose blob is gone, after the
  // rate limit and before the message is queued; a storage failure propagates.
  boost::asio::awaitable<storage::Message> post_image(core::Principal sender, ImageRef image,
                                                      std::optional<std::int64_t> recipient,
                                                      std::function<void()> on_queued = {});
  // Throws ChatError 404 when there is no such user, 400 for oneself when !allow_self.
  boost::asio::awaitable<void> check_peer(std::int64_t self, std::int64_t peer, bool allow_self);

  boost::asio::awaitable<storage::Page<storage::Message>> public_history(storage::HistoryQuery q);
  boost::asio::awaitable<storage::Page<storage::Message>> private_history(std::int64_t a,
                                                                          std::int64_t b,
                                                                          storage::HistoryQuery q);
  boost::asio::awaitable<std::vector<storage::Conversation>> conversations(std::int64_t user);
  struct ReadMarker {
    // The message the marker now names: last_message_id, or when that is no message of this
    // conversation, the newest one before it (0 if none). A receipt never names a message that
    // does not exist yet, so the peer cannot take future messages for read.
    std::int64_t last_message_id = 0;
    std::int64_t unread_count = 0;  // left for the reader (0 unless newer messages arrived)
  };
  // Throws ChatError 400 for oneself, 404 for an unknown peer.
  boost::asio::awaitable<ReadMarker> mark_read(std::int64_t reader, std::int64_t peer,
                                               std::int64_t last_message_id);

 private:
  void check_rate(std::int64_t user);
  // check_peer in two halves: true when peer is known to exist (throws ChatError 400 for
  // oneself unless allowed); otherwise look_up_peer asks the database (ChatError 404).
  bool known_peer(std::int64_t self, std::int64_t peer, bool allow_self);
  boost::asio::awaitable<void> look_up_peer(std::int64_t peer);
  // ChatError 400 unless a blob is stored under key.
  boost::asio::awaitable<void> check_stored(std::string key);

  storage::Database& db_;
  core::BlockingPool& pool_;
  BatchWriter& writer_;
  ChatLimits limits_;
  RateLimiter limiter_;
  ImageResolver resolve_image_;
  ImageExists image_exists_;
  // Users are never deleted: once seen, an id needs no second look-up.
  std::mutex known_mutex_;
  std::unordered_set<std::int64_t> known_users_;
};

}  // namespace chatd::chat
