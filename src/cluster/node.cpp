#include "cluster/node.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <future>
#include <random>

#include "cluster/cluster_adapter.hpp"

namespace chatd::cluster {
namespace asio = boost::asio;
namespace json = boost::json;

std::string broadcast_channel(std::string_view nsp) {
  return "chatd:broadcast:" + std::string(nsp);
}

std::string response_channel(std::string_view node_id) {
  return "chatd:response:" + std::string(node_id);
}

namespace {

std::string random_node_id() {
  std::random_device rd;
  std::uniform_int_distribution<int> hex(0, 15);
  std::string id;
  for (int i = 0; i < 16; ++i) id.push_back("0123456789abcdef"[hex(rd)]);
  return id;
}

std::string str_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

struct Node::PendingRequest {
  explicit PendingRequest(asio::io_context& io) : timeout(io) {}
  std::function<void(std::vector<json::value>)> done;
  std::vector<json::value> answers;
  long expected = -1;  // known once PUBLISH says how many nodes heard the question
  asio::steady_timer timeout;
};

Node::Node(NodeOptions options)
    : options_(std::move(options)),
      id_(random_node_id()),
      subscriber_(io_, parse_redis_url(options_.redis_url), "subscriber"),
      commands_(io_, parse_redis_url(options_.redis_url), "commands") {
  channels_[kRequestChannel] = [this](std::string_view p) { answer(p); };
  channels_[response_channel(id_)] = [this](std::string_view p) { collect(p); };
}

Node::~Node() {
  stop();
}

void Node::subscribe(const std::string& channel, std::function<void(std::string_view)> handler) {
  channels_[channel] = std::move(handler);
}

void Node::publish(const std::string& channel, std::string bytes) {
  // Formatted on the caller's thread; the node's thread only appends the bytes to its socket.
  commands_.send_formatted(format_command({"PUBLISH", channel, std::move(bytes)}));
}

void Node::add_adapter(const std::string& nsp, ClusterAdapter* adapter) {
  adapters_[nsp] = adapter;
}

void Node::start() {
  if (started_.exchange(true)) return;
  subscriber_.on_push([this](const RedisReply& r) { on_push(r); });
  subscriber_.on_connected([this] {
    std::vector<std::string> args{"SUBSCRIBE"};
    for (const auto& [channel, handler] : channels_) args.push_back(channel);
    subscriber_.send_subscription(args);
  });
  commands_.on_connected([this] {
    for (auto& hook : connected_hooks_) hook();
  });
  subscriber_.start();
  commands_.start();
  thread_ = std::thread([this] {
    auto work = asio::make_work_guard(io_);
    io_.run();
  });
  spdlog::info("cluster: node {} joining through Redis", id_);
}

void Node::stop() {
  if (!started_.exchange(false)) return;
  // What is queued (the last presence updates of a shutdown) reaches Redis first: commands
  // are answered in order, so the PING's reply means everything before it was done.
  std::promise<void> flushed;
  auto future = flushed.get_future();
  commands_.command({"PING"}, [&flushed](RedisReply) { flushed.set_value(); });
  future.wait_for(std::chrono::seconds(2));
  subscriber_.stop();
  commands_.stop();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void Node::on_push(const RedisReply& reply) {
  // ["message", channel, payload]
  if (reply.elements.size() != 3 || reply.elements[0].str != "message") return;
  auto it = channels_.find(reply.elements[1].str);
  if (it != channels_.end()) it->second(reply.elements[2].str);
}

void Node::request(const std::string& nsp, const std::string& kind, const std::string& room,
                   std::function<void(std::vector<json::value>)> done) {
  asio::post(io_, [this, nsp, kind, room, done = std::move(done)]() mutable {
    const auto id = std::to_string(++next_request_);
    auto pending = std::make_unique<PendingRequest>(io_);
    pending->done = std::move(done);
    pending->timeout.expires_after(options_.request_timeout);
    pending->timeout.async_wait([this, id](boost::system::error_code ec) {
      if (!ec) finish_request(id);
    });
    requests_[id] = std::move(pending);
    const json::object question{
        {"id", id}, {"from", id_}, {"nsp", nsp}, {"kind", kind}, {"room", room}};
    commands_.command(
        {"PUBLISH", kRequestChannel, json::serialize(question)}, [this, id](RedisReply r) {
          auto it = requests_.find(id);
          if (it == requests_.end()) return;
          if (r.is_error() || r.type != RedisReply::Type::integer) return finish_request(id);
          it->second->expected = std::max(0LL, r.integer - 1);  // every node but this one answers
          if (static_cast<long>(it->second->answers.size()) >= it->second->expected)
            finish_request(id);
        });
  });
}

void Node::answer(std::string_view payload) {
  boost::system::error_code ec;
  auto v = json::parse(payload, ec);
  if (ec || !v.is_object()) return;
  const auto& q = v.as_object();
  const auto from = str_field(q, "from");
  if (from.empty() || from == id_) return;
  auto it = adapters_.find(str_field(q, "nsp"));
  auto reply_to = response_channel(from);
  auto id = str_field(q, "id");
  auto reply = [this, reply_to, id](json::value result) {
    const json::object answer{{"id", id}, {"node", id_}, {"result", std::move(result)}};
    commands_.command({"PUBLISH", reply_to, json::serialize(answer)});
  };
  if (it == adapters_.end()) return reply(nullptr);
  it->second->answer(str_field(q, "kind"), str_field(q, "room"), std::move(reply));
}

void Node::collect(std::string_view payload) {
  boost::system::error_code ec;
  auto v = json::parse(payload, ec);
  if (ec || !v.is_object()) return;
  auto& a = v.as_object();
  auto it = requests_.find(str_field(a, "id"));
  if (it == requests_.end()) return;  // too late: already answered without it
  auto& pending = *it->second;
  pending.answers.push_back(a.contains("result") ? a["result"] : json::value(nullptr));
  if (pending.expected >= 0 && static_cast<long>(pending.answers.size()) >= pending.expected)
    finish_request(std::string(it->first));
}

void Node::finish_request(const std::string& id) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  auto pending = std::move(it->second);
  requests_.erase(it);
  pending->timeout.cancel();
  pending->done(std::move(pending->answers));
}

}  // namespace chatd::cluster
