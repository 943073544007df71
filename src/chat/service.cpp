#include "chat/service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "core/parse_int.hpp"
#include "core/utf8.hpp"
#include "uploads/store_unavailable.hpp"

namespace chatd::chat {
namespace json = boost::json;
using storage::Message;
using storage::NewMessage;

ChatService::ChatService(storage::Database& db, core::BlockingPool& pool, BatchWriter& writer,
                         ChatLimits limits, ImageResolver resolve_image, ImageExists image_exists)
    : db_(db),
      pool_(pool),
      writer_(writer),
      limits_(limits),
      limiter_(limits.rate_per_second, limits.burst),
      resolve_image_(std::move(resolve_image)),
      image_exists_(std::move(image_exists)) {}

std::optional<ImageRef> ChatService::resolve_image(std::string_view url) const {
  auto image = resolve_image_(url);
  if (image) image->check_stored = true;
  return image;
}

namespace {

// Unicode White_Space, and the invisible characters a blank-looking message is made of: zero-width
// space and joiners, word joiner, byte order mark (which JavaScript's trim() also removes).
bool blank_code_point(char32_t c) {
  switch (c) {
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x180E:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x2060:
    case 0x3000:
    case 0xFEFF:
      return true;
    default:
      return (c >= 0x09 && c <= 0x0D) || (c >= 0x2000 && c <= 0x200D);
  }
}

// True when the text shows nothing: empty, or blank code points only. The text is valid UTF-8
// (the JSON parser checked it); a malformed sequence counts as something shown.
bool blank(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = s[i] < 0x80 ? 1 : core::utf8_sequence_length(s + i, text.size() - i);
    if (length == 0) return false;
    if (!blank_code_point(core::utf8_code_point(s + i, length))) return false;
    i += length;
  }
  return true;
}

}  // namespace

std::string ChatService::validate_text(const json::value* value) const {
  if (!value || !value->is_string()) throw ChatError(400, "message must be a string");
  std::string text(value->as_string());
  if (text.find('\0') != std::string::npos)
    throw ChatError(400, "message must not contain NUL characters");
  if (blank(text)) throw ChatError(400, "message must not be empty");
  if (core::utf8_length(text) > limits_.max_length)
    throw ChatError(
        400, "message must be at most " + std::to_string(limits_.max_length) + " characters");
  return text;
}

std::int64_t ChatService::parse_id(const json::value* value, const char* field) {
  std::int64_t id = 0;
  if (value && value->is_int64()) {
    id = value->as_int64();
  } else if (value && value->is_uint64()) {
    id = value->as_uint64() > static_cast<std::uint64_t>(INT64_MAX)
             ? 0
             : static_cast<std::int64_t>(value->as_uint64());
  } else if (value && value->is_double()) {
    const double d = value->as_double();
    if (d >= 1 && d < 9.0e15 && d == static_cast<double>(static_cast<std::int64_t>(d)))
      id = static_cast<std::int64_t>(d);
  } else if (value && value->is_string()) {
    id = core::parse_int(std::string_view(value->as_string())).value_or(0);
  }
  if (id <= 0) throw ChatError(400, std::string(field) + " must be a positive integer");
  return id;
}

void ChatService::check_rate(std::int64_t user) {
  if (!limiter_.allow(user))
    throw ChatError(429, "rate limit exceeded: too many messages, slow down");
}

bool ChatService::known_peer(std::int64_t self, std::int64_t peer, bool allow_self) {
  if (!allow_self && self == peer)
    throw ChatError(400, "cannot send a private message to yourself");
  std::lock_guard lock(known_mutex_);
  return known_users_.contains(peer);
}

boost::asio::awaitable<void> ChatService::check_peer(std::int64_t self, std::int64_t peer,
                                                     bool allow_self) {
  if (known_peer(self, peer, allow_self)) co_return;
  co_await look_up_peer(peer);
}

boost::asio::awaitable<void> ChatService::look_up_peer(std::int64_t peer) {
  auto job = [this, peer] { return db_.users().find_by_id(peer).has_value(); };
  const bool exists = co_await pool_.run(std::move(job));
  if (!exists) throw ChatError(404, "recipient not found");
  std::lock_guard lock(known_mutex_);
  known_users_.insert(peer);
}

boost::asio::awaitable<void> ChatService::check_stored(std::string key) {
  bool stored = false;
  try {
    stored = co_await image_exists_(std::move(key));
  } catch (const std::exception& e) {
    // The client hears what an upload would say now; the cause goes to the log.
    spdlog::error("send_image: image storage check failed: {}", e.what());
    throw ChatError(503, uploads::kStoreUnavailable);
  }
  if (!stored) throw ChatError(400, "imageUrl refers to an image that no longer exists");
}

namespace {
// Runs the callback once when a refused message leaves by an exception.
struct QueuedGuard {
  std::function<void()>& f;
  ~QueuedGuard() {
    if (f) std::exchange(f, nullptr)();
  }
};
}  // namespace

boost::asio::awaitable<Message> ChatService::post_public(core::Principal sender, std::string text,
                                                         std::function<void()> on_queued) {
  QueuedGuard guard{on_queued};
  check_rate(sender.id);
  NewMessage m;
  m.content = std::move(text);
  m.is_public = true;
  m.sender_id = sender.id;
  auto queued = std::exchange(on_queued, nullptr);
  auto stored = co_await writer_.store(std::move(m), std::move(queued));
  stored.sender_username = sender.username;
  co_return stored;
}

boost::asio::awaitable<Message> ChatService::post_private(core::Principal sender,
                                                          std::int64_t recipient, std::string text,
                                                          std::function<void()> on_queued) {
  QueuedGuard guard{on_queued};
  check_rate(sender.id);
  // Users are never deleted: a recipient seen once needs no coroutine call, nor a look-up.
  if (!known_peer(sender.id, recipient, false)) co_await look_up_peer(recipient);
  NewMessage m;
  m.content = std::move(text);
  m.is_public = false;
  m.sender_id = sender.id;
  m.recipient_id = recipient;
  auto queued = std::exchange(on_queued, nullptr);
  auto stored = co_await writer_.store(std::move(m), std::move(queued));
  stored.sender_username = sender.username;
  co_return stored;
}

boost::asio::awaitable<Message> ChatService::post_image(core::Principal sender, ImageRef image,
                                                        std::optional<std::int64_t> recipient,
                                                        std::function<void()> on_queued) {
  QueuedGuard guard{on_queued};
  check_rate(sender.id);
  if (recipient && !known_peer(sender.id, *recipient, false)) co_await look_up_peer(*recipient);
  // After the rate limit, so a client cannot make the store answer faster than it may post.
  if (image.check_stored) {
    auto key = image.key;
    co_await check_stored(std::move(key));
  }
  NewMessage m;
  m.content = image.key;
  m.blob_url = image.key;
  m.type = storage::MessageType::kImage;
  m.width = image.width;
  m.height = image.height;
  m.is_public = !recipient;
  m.sender_id = sender.id;
  m.recipient_id = recipient;
  auto queued = std::exchange(on_queued, nullptr);
  auto stored = co_await writer_.store(std::move(m), std::move(queued));
  stored.sender_username = sender.username;
  co_return stored;
}

boost::asio::awaitable<storage::Page<Message>> ChatService::public_history(
    storage::HistoryQuery q) {
  auto job = [this, q] { return db_.messages().list_public(q); };
  co_return co_await pool_.run(std::move(job));
}

boost::asio::awaitable<storage::Page<Message>> ChatService::private_history(
    std::int64_t a, std::int64_t b, storage::HistoryQuery q) {
  auto job = [this, a, b, q] { return db_.messages().list_private(a, b, q); };
  co_return co_await pool_.run(std::move(job));
}

boost::asio::awaitable<std::vector<storage::Conversation>> ChatService::conversations(
    std::int64_t user) {
  auto job = [this, user] { return db_.messages().conversations(user); };
  co_return co_await pool_.run(std::move(job));
}

boost::asio::awaitable<ChatService::ReadMarker> ChatService::mark_read(
    std::int64_t reader, std::int64_t peer, std::int64_t last_message_id) {
  if (reader == peer) throw ChatError(400, "peerId must be another user than yourself");
  co_await check_peer(reader, peer, true);
  auto job = [this, reader, peer, last_message_id] {
    auto& messages = db_.messages();
    messages.mark_read(reader, peer, last_message_id);
    ReadMarker marker{last_message_id, messages.unread_count(reader, peer)};
    const auto named = messages.find(last_message_id);
    const bool in_conversation =
        named && !named->is_public && named->recipient_id &&
        std::minmax(named->sender_id, *named->recipient_id) == std::minmax(reader, peer);
    if (!in_conversation) {
      storage::HistoryQuery newest{.page = 1, .per_page = 1, .before = last_message_id};
      if (last_message_id < std::numeric_limits<std::int64_t>::max()) ++*newest.before;
      auto page = messages.list_private(reader, peer, newest);
      marker.last_message_id = page.items.empty() ? 0 : page.items.front().id;
    }
    return marker;
  };
  co_return co_await pool_.run(std::move(job));
}

}  // namespace chatd::chat
