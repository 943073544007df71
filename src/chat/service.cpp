#include "chat/service.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <limits>

#include "chat/events.hpp"
#include "realtime/socketio/adapter.hpp"
#include "uploads/store_unavailable.hpp"

namespace chatd::chat {
using storage::Message;
using storage::NewMessage;

ChatService::ChatService(storage::Database& db, core::BlockingPool& pool, BatchWriter& writer,
                         ChatLimits limits, ImageResolver resolve_image, ImageExists image_exists,
                         ImageRemover remove_image)
    : db_(db),
      pool_(pool),
      writer_(writer),
      limits_(limits),
      limiter_(limits.rate_per_second, limits.burst, limits.max_wait),
      resolve_image_(std::move(resolve_image)),
      image_exists_(std::move(image_exists)),
      remove_image_(std::move(remove_image)) {}

std::optional<ImageRef> ChatService::resolve_image(std::string_view url) const {
  auto image = resolve_image_(url);
  if (image) image->check_stored = true;
  return image;
}

ChatService::Clock::duration ChatService::book_token(std::int64_t user, Clock::time_point arrived) {
  const auto wait = limiter_.reserve(user, arrived, Clock::now());
  if (!wait)
    throw ChatError(ErrorKind::kRateLimited, "rate limit exceeded: too many messages, slow down");
  return *wait;
}

bool ChatService::known_user(std::int64_t id) {
  std::lock_guard lock(known_mutex_);
  return known_users_.contains(id);
}

void ChatService::forget_user(std::int64_t id) {
  std::lock_guard lock(known_mutex_);
  known_users_.erase(id);
}

bool ChatService::known_recipient(std::int64_t sender, std::int64_t recipient) {
  if (sender == recipient)
    throw ChatError(ErrorKind::kInvalidInput, "cannot send a private message to yourself");
  return known_user(recipient);
}

boost::asio::awaitable<bool> ChatService::look_up_user(std::int64_t id) {
  // Not a coroutine: the pool's awaitable is returned, no frame of its own.
  auto job = [this, id] {
    const bool exists = db_.users().find_by_id(id).has_value();
    if (exists) {
      std::lock_guard lock(known_mutex_);
      known_users_.insert(id);
    }
    return exists;
  };
  return pool_.run(std::move(job));
}

boost::asio::awaitable<bool> ChatService::user_exists(std::int64_t id) {
  if (known_user(id)) co_return true;
  co_return co_await look_up_user(id);
}

boost::asio::awaitable<void> ChatService::require_user(std::int64_t id) {
  if (known_user(id)) co_return;
  const bool exists = co_await look_up_user(id);
  if (!exists) throw ChatError(ErrorKind::kNotFound, "recipient not found");
}

boost::asio::awaitable<void> ChatService::check_stored(std::string key) {
  bool stored = false;
  try {
    stored = co_await image_exists_(std::move(key));
  } catch (const std::exception& e) {
    // The client hears what an upload would say now; the cause goes to the log.
    spdlog::error("send_image: image storage check failed: {}", e.what());
    throw ChatError(ErrorKind::kUnavailable, uploads::kStoreUnavailable);
  }
  if (!stored)
    throw ChatError(ErrorKind::kInvalidInput, "imageUrl refers to an image that no longer exists");
}

namespace {
// Runs the callback once when a refused message leaves by an exception.
struct QueuedGuard {
  std::function<void()>& f;
  ~QueuedGuard() {
    if (f) std::exchange(f, nullptr)();
  }
};

// A booked token's wait, on the caller's executor. The caller keeps its turn meanwhile: its
// socket's later messages queue behind it, in order.
boost::asio::awaitable<void> sleep_for(ChatService::Clock::duration wait) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, wait);
  co_await timer.async_wait(boost::asio::use_awaitable);
}

// The post's idempotency key goes with the message, and for a message with a recipient or a group
// the sending socket's tag (replay leaves out what live delivery left out). Returns that socket,
// for the writer to hand to delivery, which leaves it out ("" for none).
std::string stamp(NewMessage& m, PostOrigin& origin) {
  m.client_msg_id = std::move(origin.client_msg_id);
  if ((!m.recipient_id && !m.group_id) || origin.socket.empty()) return {};
  m.origin = socketio::socket_tag(origin.socket);
  return std::move(origin.socket);
}
}  // namespace

boost::asio::awaitable<void> ChatService::take_token(std::int64_t user, Clock::time_point arrived) {
  if (const auto wait = book_token(user, arrived); wait > Clock::duration::zero())
    co_await sleep_for(wait);
}

boost::asio::awaitable<storage::GroupRole> ChatService::require_member(std::int64_t group,
                                                                       std::int64_t user) {
  auto job = [this, group, user] { return db_.groups().role_of(group, user); };
  const auto role = co_await pool_.run(std::move(job));
  if (!role) throw ChatError(ErrorKind::kNotFound, kGroupNotFound);
  co_return *role;
}

// The one send path. The checks come after the rate limit, so a client cannot make the database
// or the blob store answer faster than it may post.
boost::asio::awaitable<Message> ChatService::post_message(core::Principal sender, NewMessage m,
                                                          PostOrigin origin, bool check_blob,
                                                          std::function<void()> on_queued,
                                                          Clock::time_point arrived) {
  QueuedGuard guard{on_queued};
  if (const auto wait = book_token(sender.id, arrived); wait > Clock::duration::zero())
    co_await sleep_for(wait);
  m.sender_id = sender.id;
  if (m.recipient_id && !known_recipient(sender.id, *m.recipient_id))
    co_await require_user(*m.recipient_id);
  if (m.group_id) co_await require_member(*m.group_id, sender.id);
  if (check_blob) co_await check_stored(*m.blob_url);
  if (origin.reply_to) co_await attach_reply(m, *origin.reply_to);
  auto socket = stamp(m, origin);
  auto queued = std::exchange(on_queued, nullptr);
  auto stored = co_await writer_.store(std::move(m), std::move(queued), std::move(socket));
  stored.sender_username = std::move(sender.username);
  co_return stored;
}

// Not coroutines: each builds its message and hands it to post_message.
boost::asio::awaitable<Message> ChatService::post_public(core::Principal sender, PublicPost post,
                                                         std::function<void()> on_queued,
                                                         Clock::time_point arrived) {
  NewMessage m;
  m.content = std::move(post.text);
  m.is_public = true;
  return post_message(std::move(sender), std::move(m), std::move(post.origin), false,
                      std::move(on_queued), arrived);
}

boost::asio::awaitable<Message> ChatService::post_private(core::Principal sender, PrivatePost post,
                                                          std::function<void()> on_queued,
                                                          Clock::time_point arrived) {
  NewMessage m;
  m.content = std::move(post.text);
  m.is_public = false;
  m.recipient_id = post.recipient;
  return post_message(std::move(sender), std::move(m), std::move(post.origin), false,
                      std::move(on_queued), arrived);
}

boost::asio::awaitable<Message> ChatService::post_group(core::Principal sender, GroupPost post,
                                                        std::function<void()> on_queued,
                                                        Clock::time_point arrived) {
  NewMessage m;
  m.content = std::move(post.text);
  m.is_public = false;
  m.group_id = post.group;
  return post_message(std::move(sender), std::move(m), std::move(post.origin), false,
                      std::move(on_queued), arrived);
}

boost::asio::awaitable<Message> ChatService::post_image(core::Principal sender, ImagePost post,
                                                        std::function<void()> on_queued,
                                                        Clock::time_point arrived) {
  auto& image = post.image;
  NewMessage m;
  m.content = image.key;
  m.blob_url = std::move(image.key);
  m.type = storage::MessageType::kImage;
  m.width = image.width;
  m.height = image.height;
  m.is_public = !post.recipient && !post.group;
  m.recipient_id = post.recipient;
  m.group_id = post.group;
  return post_message(std::move(sender), std::move(m), std::move(post.origin), image.check_stored,
                      std::move(on_queued), arrived);
}

boost::asio::awaitable<storage::Page<Message>> ChatService::public_history(
    std::int64_t viewer, storage::HistoryQuery q) {
  auto job = [this, viewer, q] {
    auto page = db_.messages().list_public(q);
    storage::fill_for_reader(db_, page.items, viewer);
    return page;
  };
  co_return co_await pool_.run(std::move(job));
}

void ChatService::check_viewer(std::int64_t viewer, const ConversationQuery& q) const {
  if (viewer != q.a && viewer != q.b)
    throw ChatError(ErrorKind::kForbidden, "You can only read your own conversations");
}

boost::asio::awaitable<storage::Page<Message>> ChatService::private_history(std::int64_t viewer,
                                                                            ConversationQuery q) {
  auto job = [this, viewer, q] {
    auto page = db_.messages().list_private(q.a, q.b, q.page);
    storage::fill_for_reader(db_, page.items, viewer);
    return page;
  };
  co_return co_await pool_.run(std::move(job));
}

boost::asio::awaitable<std::vector<storage::Conversation>> ChatService::conversations(
    std::int64_t user) {
  auto job = [this, user] {
    auto list = db_.messages().conversations(user);
    std::vector<Message*> last;
    last.reserve(list.size());
    for (auto& c : list) last.push_back(&c.last_message);
    storage::fill_for_reader(db_, last, user);
    return list;
  };
  co_return co_await pool_.run(std::move(job));
}

boost::asio::awaitable<storage::Page<Message>> ChatService::group_history(std::int64_t viewer,
                                                                          std::int64_t group,
                                                                          storage::HistoryQuery q) {
  co_await require_member(group, viewer);
  auto job = [this, viewer, group, q] {
    auto page = db_.messages().list_group(group, q);
    storage::fill_for_reader(db_, page.items, viewer);
    return page;
  };
  co_return co_await pool_.run(std::move(job));
}

boost::asio::awaitable<ChatService::ReadMarker> ChatService::mark_group_read(
    std::int64_t reader, std::int64_t group, std::int64_t last_message_id) {
  co_await require_member(group, reader);
  auto job = [this, reader, group, last_message_id] {
    auto& groups = db_.groups();
    const auto marker = groups.mark_read(group, reader, last_message_id);
    return ReadMarker{marker, groups.unread_count(group, reader)};
  };
  co_return co_await pool_.run(std::move(job));
}

boost::asio::awaitable<ChatService::ReadMarker> ChatService::mark_read(std::int64_t reader,
                                                                       ReadMark mark) {
  if (mark.group) co_return co_await mark_group_read(reader, *mark.group, mark.last_message_id);
  const auto peer = mark.peer;
  const auto last_message_id = mark.last_message_id;
  if (reader == peer)
    throw ChatError(ErrorKind::kInvalidInput, "peerId must be another user than yourself");
  co_await require_user(peer);
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
