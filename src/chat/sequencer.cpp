#include "chat/sequencer.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "chat/events.hpp"
#include "realtime/socketio/broadcast_codec.hpp"

namespace chatd::chat {
namespace asio = boost::asio;

namespace {
constexpr std::int64_t kAll = std::numeric_limits<std::int64_t>::max();
}  // namespace

Sequencer::Sequencer(socketio::Namespace& nsp, storage::Database& db, core::BlockingPool& pool,
                     asio::any_io_executor timers, ImageLinker link,
                     std::optional<ClusterLink> cluster, SequencerOptions options)
    : nsp_(nsp),
      db_(db),
      pool_(pool),
      timers_(std::move(timers)),
      link_(std::move(link)),
      cluster_(std::move(cluster)),
      options_(options),
      gap_timer_(timers_),
      tick_(timers_) {}

Sequencer::~Sequencer() = default;

void Sequencer::start() {
  const auto head = db_.messages().head();
  {
    std::lock_guard lock(mutex_);
    order_ = DeliveryOrder(head + 1);
  }
  // A socket that recovers here before the first delivery has been sent nothing up to head:
  // it is replayed what it missed up to there (after a restart too).
  nsp_.adapter().mark_delivered(head);
  arm_tick();
}

void Sequencer::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  asio::post(timers_, [this] {
    gap_timer_.cancel();
    tick_.cancel();
  });
}

std::int64_t Sequencer::next() const {
  std::lock_guard lock(mutex_);
  return order_.next();
}

void Sequencer::deliver(std::int64_t, Outgoing record) {
  nsp_.adapter().broadcast(std::move(record.packet), std::move(record.target));
}

void Sequencer::push_locked(std::int64_t id, Outgoing record) {
  order_.push(id, std::move(record),
              [this](std::int64_t i, Outgoing r) { deliver(i, std::move(r)); });
}

void Sequencer::committed(std::span<const BatchWriter::Committed> batch) {
  // Encoded and published before the lock: it only orders and hands out.
  std::vector<std::pair<std::int64_t, Outgoing>> records;
  records.reserve(batch.size());
  for (const auto& c : batch) {
    auto out = stored_message_event(nsp_.name(), nsp_.parser(), c.message, c.socket, link_);
    if (cluster_)
      cluster_->publish(socketio::encode_broadcast(cluster_->node, out.target, *out.packet));
    records.emplace_back(c.message.id, std::move(out));
  }
  std::lock_guard lock(mutex_);
  for (auto& [id, out] : records) push_locked(id, std::move(out));
  after_push_locked();
}

void Sequencer::remote(std::string_view bytes) {
  if (auto origin = socketio::broadcast_origin(bytes); !origin || *origin == cluster_->node) return;
  auto b = socketio::decode_broadcast(bytes);
  if (!b || b->target.offset <= 0) return;
  b->target.local = true;
  const auto id = b->target.offset;
  std::lock_guard lock(mutex_);
  push_locked(id, Outgoing{std::move(b->target), std::move(b->packet)});
  after_push_locked();
}

void Sequencer::after_push_locked() {
  if (order_.gap_end() && !gap_armed_ && !reading_ && !stopped_) arm_gap_timer_locked();
}

void Sequencer::arm_gap_timer_locked() {
  gap_armed_ = true;
  asio::post(timers_, [this] {
    gap_timer_.expires_after(options_.gap_wait);
    gap_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) on_gap_timer();
    });
  });
}

void Sequencer::on_gap_timer() {
  std::lock_guard lock(mutex_);
  gap_armed_ = false;
  if (stopped_ || reading_) return;
  // Whatever the gap is now: one that closed meanwhile and a new one cost a read too early.
  if (auto end = order_.gap_end()) start_read_locked(*end - 1);
}

void Sequencer::arm_tick() {
  tick_.expires_after(options_.poll);
  tick_.async_wait([this](boost::system::error_code ec) {
    if (!ec) on_tick();
  });
}

void Sequencer::on_tick() {
  const bool up = !cluster_ || cluster_->up();
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    if (!up) link_was_down_ = true;
    if (!reading_ && (!up || link_was_down_)) {
      // Down: what other nodes store does not arrive, so read it. Just back: what they
      // published before this node's subscription was renewed is lost, so read it once more.
      link_was_down_ = !up;
      ticks_ = 0;
      start_read_locked(kAll);
    } else if (++ticks_ * options_.poll >= options_.idle_check) {
      ticks_ = 0;
      asio::post(timers_, [this] { asio::co_spawn(timers_, check_idle(), asio::detached); });
    }
  }
  arm_tick();
}

asio::awaitable<void> Sequencer::check_idle() {
  std::int64_t head = 0;
  try {
    auto job = [this] { return db_.messages().head(); };
    head = co_await pool_.run(std::move(job));
  } catch (const std::exception& e) {
    read_failed(e, "reading the message log's head");
    co_return;
  }
  std::lock_guard lock(mutex_);
  // Committed a whole check ago and still not here: its record will not come.
  if (idle_head_ >= order_.next() && !reading_ && !stopped_) start_read_locked(idle_head_);
  idle_head_ = head;
}

void Sequencer::read_failed(const std::exception& e, const std::string& what) {
  // A database outage fails every check and read until it ends: the backend logs it, counted.
  if (dynamic_cast<const storage::UnavailableError*>(&e)) return;
  read_errors_.add(what + ": " + e.what());
}

void Sequencer::start_read_locked(std::int64_t up_to) {
  reading_ = true;
  // Posted: co_spawn may start the coroutine inline, and it takes the lock held here.
  asio::post(timers_, [this, up_to] { asio::co_spawn(timers_, read(up_to), asio::detached); });
}

namespace {
struct ReadResult {
  std::vector<std::pair<std::int64_t, Outgoing>> records;
  std::int64_t last = 0;  // the newest id read, or where the read started when none
  bool complete = false;  // fewer than asked for: nothing more up to up_to
};
}  // namespace

asio::awaitable<void> Sequencer::read(std::int64_t up_to) {
  std::int64_t from = 0;
  {
    std::lock_guard lock(mutex_);
    from = order_.next() - 1;
  }
  for (;;) {
    if (from >= up_to) break;
    auto job = [this, from, up_to] {
      auto& messages = db_.messages();
      auto rows = messages.after(from, up_to, options_.read_batch);
      storage::fill_replies(messages, rows);
      ReadResult r;
      r.complete = rows.size() < options_.read_batch;
      r.last = rows.empty() ? from : rows.back().id;
      r.records.reserve(rows.size());
      for (const auto& m : rows)
        r.records.emplace_back(m.id,
                               stored_message_event(nsp_.name(), nsp_.parser(), m, {}, link_));
      return r;
    };
    ReadResult got;
    try {
      got = co_await pool_.run(std::move(job));
    } catch (const std::exception& e) {
      read_failed(e, "reading stored messages after " + std::to_string(from));
      std::lock_guard lock(mutex_);
      reading_ = false;
      after_push_locked();  // tried again after gap_wait (or at the next tick)
      co_return;
    }
    std::lock_guard lock(mutex_);
    read_messages_ += got.records.size();
    for (auto& [id, out] : got.records) push_locked(id, std::move(out));
    // The read lists every message up to `last` (and up to up_to when complete): an id it
    // lacks there does not exist, and must not hold back the ones after it.
    const auto deliver_one = [this](std::int64_t i, Outgoing r) { deliver(i, std::move(r)); };
    order_.pass_missing(got.complete && up_to != kAll ? up_to : got.last, deliver_one);
    if (got.complete || stopped_) break;
    from = got.last;
  }
  std::lock_guard lock(mutex_);
  reading_ = false;
  after_push_locked();
}

}  // namespace chatd::chat
