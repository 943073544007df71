#include "chat/recovery.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "chat/events.hpp"
#include "core/parse_int.hpp"
#include "realtime/socketio/adapter.hpp"

namespace chatd::chat {
namespace asio = boost::asio;

namespace {

// Change times come from the database's clock (PostgreSQL) or another node's, the pid's issue
// time from this node's: changes this much older than the sync time are replayed as well. A
// change sent twice does no harm (message_edited carries the whole text).
constexpr std::int64_t kClockSlackMs = 10'000;

storage::Millis now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ChatRecovery::ChatRecovery(std::string nsp, socketio::Parser parser, storage::Database& db,
                           core::BlockingPool& pool, SessionPid pids, RecoverySettings settings,
                           ImageLinker link, UserOf user_of)
    : nsp_(std::move(nsp)),
      parser_(parser),
      db_(db),
      pool_(pool),
      pids_(pids),
      settings_(settings),
      link_(std::move(link)),
      user_of_(std::move(user_of)) {}

std::string ChatRecovery::issue(socketio::Socket& socket, std::int64_t delivered) {
  return pids_.seal(SessionClaims{
      .user = user_of_(socket), .sid = socket.id(), .issued_ms = now_ms(), .start = delivered});
}

asio::awaitable<std::optional<socketio::Recovery::Session>> ChatRecovery::restore(
    std::shared_ptr<socketio::Socket> socket, std::string pid, std::optional<std::string> offset) {
  auto claims = pids_.open(pid);
  // Bound to its user: a pid never opens another user's session, whoever's token comes with it.
  if (!claims || claims->sid.empty() || claims->user != user_of_(*socket)) co_return std::nullopt;
  // What the socket has: everything up to the offset it names (the last message it got), or
  // up to where its session started if it got nothing since.
  std::int64_t after = claims->start;
  if (offset) {
    const auto seen = core::parse_int(*offset);
    if (!seen || *seen < 0) co_return std::nullopt;
    after = std::max(after, *seen);
  }
  const auto window_ms = std::chrono::milliseconds(settings_.window).count();
  auto job = [this, claims = std::move(*claims), after, window_ms]() -> std::optional<Session> {
    const auto now = now_ms();
    // The socket was in sync when its pid was issued and when it got its last message: the
    // window runs from the newer of the two, and so do the changes it may have missed.
    std::int64_t synced = claims.issued_ms;
    if (after > claims.start) {
      if (const auto seen = db_.messages().find(after)) synced = std::max(synced, seen->created_at);
    }
    if (now - synced > window_ms) return std::nullopt;
    Session session{claims.sid, {}, after, synced - kClockSlackMs};
    for (auto& room : db_.recovery_rooms().list(claims.sid)) {
      if (!is_pair_room_of(room, claims.user)) continue;
      db_.recovery_rooms().add(claims.sid, room);  // recovered: remembered for longer
      session.rooms.push_back(std::move(room));
    }
    return session;
  };
  co_return co_await pool_.run(std::move(job));
}

// The reactions now of the messages up to the socket's offset whose reactions changed since it
// was in sync (one reactions event each: [] when the last one was taken back).
std::optional<std::vector<socketio::SharedPacket>> ChatRecovery::reaction_changes(
    std::int64_t user, const Session& session) {
  const auto cap = settings_.max_messages;
  auto& reactions = db_.reactions();
  const auto ids = reactions.changed_for(user, session.after, session.since_ms, cap + 1);
  if (ids.size() > cap) return std::nullopt;
  std::vector<socketio::SharedPacket> packets;
  if (ids.empty()) return packets;
  const auto now = reactions.for_messages(ids, user);
  packets.reserve(ids.size());
  auto it = now.begin();
  const std::vector<storage::ReactionCount> none;
  for (const auto id : ids) {
    while (it != now.end() && it->message_id < id) ++it;
    const bool some = it != now.end() && it->message_id == id;
    packets.push_back(reactions_packet(nsp_, parser_, id, some ? it->reactions : none));
  }
  return packets;
}

asio::awaitable<std::optional<std::vector<socketio::SharedPacket>>> ChatRecovery::missed(
    std::shared_ptr<socketio::Socket> socket, Session session, std::int64_t delivered) {
  using Packets = std::vector<socketio::SharedPacket>;
  // First the edits, deletes and reactions of the messages it had (no offset: its offset
  // stays), then the messages it missed, as they are stored now (edited text, or
  // message_deleted, with their reactions), in id order.
  auto job = [this, user = user_of_(*socket), origin = socketio::socket_tag(socket->id()),
              session = std::move(session), delivered]() -> std::optional<Packets> {
    const auto cap = settings_.max_messages;
    auto& messages = db_.messages();
    auto changed = messages.changed_for(user, session.after, session.since_ms, cap + 1);
    if (changed.size() > cap) return std::nullopt;
    auto reacted = reaction_changes(user, session);
    if (!reacted) return std::nullopt;
    std::vector<storage::Message> rows;
    if (delivered > session.after) {
      rows = messages.replay_for(user, session.after, delivered, origin, cap + 1);
      if (rows.size() > cap) return std::nullopt;
      storage::fill_for_reader(db_, rows, user);
    }
    Packets packets;
    packets.reserve(changed.size() + reacted->size() + rows.size());
    for (const auto& m : changed) packets.push_back(change_packet(nsp_, parser_, m));
    for (auto& p : *reacted) packets.push_back(std::move(p));
    for (const auto& m : rows) packets.push_back(stored_message_packet(nsp_, parser_, m, link_));
    return packets;
  };
  co_return co_await pool_.run(std::move(job));
}

asio::awaitable<void> ChatRecovery::remember_room(std::string socket_id, std::string room) {
  auto job = [this, socket_id = std::move(socket_id), room = std::move(room)] {
    db_.recovery_rooms().add(socket_id, room);
  };
  co_await pool_.run(std::move(job));
}

std::chrono::milliseconds ChatRecovery::room_lifetime() const {
  return std::max<std::chrono::milliseconds>(2 * settings_.window, std::chrono::hours(24 * 7));
}

void ChatRecovery::start_pruning(asio::any_io_executor timers) {
  prune_timer_ = std::make_unique<asio::steady_timer>(timers);
  prune();
}

void ChatRecovery::prune() {
  auto job = [this] { return db_.recovery_rooms().prune(room_lifetime().count()); };
  asio::co_spawn(
      prune_timer_->get_executor(),
      [this, job]() -> asio::awaitable<void> {
        try {
          auto step = job;
          const auto pruned = co_await pool_.run(std::move(step));
          if (pruned > 0) spdlog::debug("recovery: forgot {} joined rooms", pruned);
        } catch (const std::exception& e) {
          spdlog::warn("recovery: pruning joined rooms failed: {}", e.what());
        }
        prune_timer_->expires_after(std::chrono::hours(1));
        prune_timer_->async_wait([this](boost::system::error_code ec) {
          if (!ec) prune();
        });
      },
      asio::detached);
}

}  // namespace chatd::chat
