#include "app/app.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/signal_set.hpp>

#include <unistd.h>

#include <future>
#include <thread>

#include "admin/admin_ui.hpp"
#include "app/auth_stack.hpp"
#include "app/client_bundle.hpp"
#include "app/conformance.hpp"
#include "app/database_errors.hpp"
#include "app/database_probe.hpp"
#include "app/descriptor_limit.hpp"
#include "app/system_routes.hpp"
#include "app/web_root.hpp"
#include "auth/routes.hpp"
#include "auth/service.hpp"
#include "auth/token_service.hpp"
#include "blob/open_store.hpp"
#include "chat/batch_writer.hpp"
#include "chat/events.hpp"
#include "chat/gateway.hpp"
#include "chat/group_routes.hpp"
#include "chat/groups.hpp"
#include "chat/presence_feed.hpp"
#include "chat/recovery.hpp"
#include "chat/routes.hpp"
#include "chat/search_routes.hpp"
#include "chat/sequencer.hpp"
#include "chat/service.hpp"
#include "chat/upload_routes.hpp"
#include "cluster/cluster_adapter.hpp"
#include "cluster/cluster_presence.hpp"
#include "cluster/node.hpp"
#include "core/blocking_pool.hpp"
#include "core/histogram.hpp"
#include "core/io_pool.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "presence/presence.hpp"
#include "profile/routes.hpp"
#include "realtime/engineio/server.hpp"
#include "realtime/socketio/local_adapter.hpp"
#include "realtime/socketio/server.hpp"
#include "storage/repository.hpp"
#include "uploads/file_routes.hpp"
#include "uploads/image_upload.hpp"
#include "users/routes.hpp"

namespace chatd::app {

namespace {

// Where the nodes of a cluster publish the messages they store (chat/sequencer.hpp).
constexpr const char* kMessagesChannel = "chatd:messages";

// send_image accepts only URLs the blob store issued; the key and pixel size come from them.
chat::ImageResolver issued_image_resolver(const blob::BlobStore& store) {
  return [&store](std::string_view url) -> std::optional<chat::ImageRef> {
    auto image = blob::resolve_issued_url(store, url);
    if (!image) return std::nullopt;
    return chat::ImageRef{std::move(image->key), image->width, image->height};
  };
}

// ...and the blob behind such a URL must still be stored (replacing an avatar deletes the old
// one). Not a coroutine: the store's own coroutine holds the key, never this closure.
chat::ImageExists issued_image_exists(blob::BlobStore& store) {
  return [&store](std::string key) { return store.exists(std::move(key)); };
}

}  // namespace

struct App::Parts {
  Config config;
  std::unique_ptr<core::IoPool> io;
  std::unique_ptr<core::BlockingPool> blocking;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<DatabaseProbe> db_probe;  // GET /ready
  std::unique_ptr<blob::BlobStore> blobs;
  std::unique_ptr<uploads::ImageUploads> uploads;
  std::unique_ptr<auth::TokenService> tokens;
  http::Metrics metrics;
  http::Router router;
  users::ImageLinker link;  // stored keys become links when read
  // Before the Socket.IO parts: a socket forgets its token watch when it is destroyed.
  AuthStack auth;
  std::unique_ptr<users::UsersService> users;
  std::unique_ptr<profile::ProfileService> profile;
  // Before everything that lives on its thread (adapters, presence): destroyed after them.
  std::unique_ptr<cluster::Node> cluster;
  std::unique_ptr<engineio::Server> engine;
  // Before sio, whose /chat adapter observes it: destroyed after it.
  core::Histogram delivery_fanout{
      {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0}};
  std::unique_ptr<socketio::Server> sio;
  std::unique_ptr<engineio::Server> echo;  // conformance mode only: /engine.io/
  // Before the writer, whose thread hands it every commit: destroyed after it.
  std::unique_ptr<chat::Sequencer> sequencer;
  std::unique_ptr<chat::ChatRecovery> recovery;  // null when RECOVERY_WINDOW_SECONDS=0
  std::unique_ptr<chat::BatchWriter> writer;
  std::unique_ptr<chat::ChatService> chat;
  std::unique_ptr<chat::GroupService> groups;
  std::unique_ptr<chat::MessageSearch> search;
  std::unique_ptr<chat::ChatEvents> chat_events;
  std::unique_ptr<chat::PresenceFeed> presence_feed;  // who hears presence changes
  std::unique_ptr<presence::Presence> online;         // who is online, on this node or cluster-wide
  std::unique_ptr<chat::Gateway> gateway;
  std::unique_ptr<admin::AdminUi> admin_ui;  // ADMIN_UI_PASSWORD only
  std::unique_ptr<http::Server> server;

  // In this order: each step uses what the ones before it made, and routes match in the order
  // they are added.
  void make_pools_and_database();
  void make_token_service();
  void make_cluster_and_presence();
  void make_accounts();
  void make_realtime();
  void make_delivery();
  void make_chat();
  void make_admin_ui();
  void make_http_server();
  void add_metrics();
  void add_store_metrics();
};

App::App(Config config) : parts_(std::make_unique<Parts>()) {
  auto& p = *parts_;
  p.config = std::move(config);
  p.make_pools_and_database();
  p.make_token_service();
  p.make_cluster_and_presence();
  p.make_accounts();
  p.make_realtime();
  p.make_delivery();
  p.make_chat();
  p.make_admin_ui();
  p.make_http_server();
  p.add_metrics();
}

void App::Parts::make_pools_and_database() {
  auto& c = config;
  const auto threads =
      c.io_threads ? c.io_threads : std::max(1u, std::thread::hardware_concurrency());
  c.max_connections =
      fit_to_descriptor_limit(c.max_connections, descriptor_reserve(c.blocking_threads, threads));
  c.max_anonymous_sessions = std::min(c.max_anonymous_sessions, c.max_connections);
  io = std::make_unique<core::IoPool>(threads);
  blocking = std::make_unique<core::BlockingPool>(c.blocking_threads);
  db = storage::open_database(c.database_url, database_options(c));
  spdlog::info("storage: {} ready", db->backend_name());
  // GET /ready answers within 2 s, whatever the database does: 1.5 s leaves room for a busy
  // machine.
  db_probe = std::make_unique<DatabaseProbe>(*db, std::chrono::milliseconds(1500));
  router.translate_errors(&database_http_error);
}

void App::Parts::make_token_service() {
  const auto& c = config;
  auth::TokenSettings ts;
  ts.key_base64url = c.jwe_key;
  ts.key_file = std::filesystem::path(c.data_dir) / "jwe.key";
  if (c.jwe_private_key_file) ts.rsa_private_pem = *c.jwe_private_key_file;
  if (c.jwe_public_key_file) ts.rsa_public_pem = *c.jwe_public_key_file;
  ts.ttl_seconds = c.token_ttl_seconds;
  tokens = std::make_unique<auth::TokenService>(ts);
}

void App::Parts::make_cluster_and_presence() {
  const auto& c = config;
  if (c.redis_url) {
    cluster::NodeOptions no;
    no.redis_url = *c.redis_url;
    no.node_ttl = std::chrono::milliseconds(c.cluster_node_ttl_ms);
    cluster = std::make_unique<cluster::Node>(no);
  }
  // Presence changes go to the user's peers and subscribers; presence_feed exists by the time
  // any socket does.
  presence::PresenceListener on_presence = [this](std::int64_t user_id, bool) {
    presence_feed->changed(user_id);
  };
  if (cluster)
    online = std::make_unique<cluster::ClusterPresence>(*cluster, std::move(on_presence));
  else
    online = std::make_unique<presence::LocalPresence>(std::move(on_presence));
}

// Accounts, profiles and the images they link to: services, blob store and routes.
void App::Parts::make_accounts() {
  const auto& c = config;
  auth = build_auth(c, *io, *blocking, *db, *tokens, metrics);
  users = std::make_unique<users::UsersService>(*db, *blocking);
  profile = std::make_unique<profile::ProfileService>(*db, *blocking);

  blobs = blob::open_blob_store(blob_store_settings(c), *blocking);
  // /uploads/<name>, or a freshly signed Azure SAS URL.
  link = [b = blobs.get()](const std::string& key) { return b->link(key); };
  router.set_authenticator(auth::make_authenticator(*auth.service));
  auth::add_routes(router, *auth.service, link);
  uploads = std::make_unique<uploads::ImageUploads>(*blobs, c.max_upload_bytes);
  profile::add_routes(router, *profile, link, *uploads);
  uploads::add_file_routes(router, *blobs, *blocking);
}

void App::Parts::make_realtime() {
  const auto& c = config;
  engineio::Options eo;
  eo.ping_interval = std::chrono::milliseconds(c.ping_interval_ms);
  eo.ping_timeout = std::chrono::milliseconds(c.ping_timeout_ms);
  eo.max_payload = c.max_payload_bytes;
  eo.max_sessions = c.max_connections;
  eo.packet_rate = c.packet_rate_per_second;
  eo.packet_burst = c.packet_burst;
  eo.send_queue_limit = c.send_queue_limit_bytes;
  eo.compression_threshold = c.polling_compression_bytes;
  eo.allow_eio3 = c.allow_eio3;
  eo.max_sessions_per_ip = c.max_connections_per_ip;
  eo.handshake_rate_per_ip = c.handshake_rate_per_ip;
  eo.handshake_burst_per_ip = c.handshake_burst_per_ip;
  // The conformance echo engine gets these options too, without the anonymous budget: nothing
  // admits its sessions.
  auto socketio_eo = eo;
  socketio_eo.max_anonymous = c.max_anonymous_sessions;
  socketio_eo.handshake_timeout = std::chrono::milliseconds(c.handshake_timeout_ms);
  engine = std::make_unique<engineio::Server>(*io, socketio_eo);
  socketio::ServerOptions so;
  so.parser = c.socketio_parser == "msgpack" ? socketio::Parser::msgpack : socketio::Parser::json;
  sio = std::make_unique<socketio::Server>(*io, *engine, so);
  // Messages reach /chat's sockets as its ordered broadcasts: their fan-out is timed there.
  sio->set_adapter_factory([this](const std::string& nsp) -> std::unique_ptr<socketio::Adapter> {
    auto local = std::make_unique<socketio::LocalAdapter>(*io);
    if (nsp == "/chat") local->time_ordered_broadcasts(delivery_fanout);
    if (!cluster) return local;
    return std::make_unique<cluster::ClusterAdapter>(nsp, std::move(local), *cluster);
  });
  if (c.conformance) {
    add_conformance_namespaces(*sio);
    echo = make_conformance_echo_engine(*io, eo);
    echo->add_routes(router, "/engine.io");
  }
}

// Stored messages reach sockets through the sequencer, in id order (from this node's writer,
// the other nodes and the store), and come back to a recovered socket through recovery.
void App::Parts::make_delivery() {
  const auto& c = config;
  auto& nsp = sio->of("/chat");
  std::optional<chat::ClusterLink> others;
  if (cluster) {
    others = chat::ClusterLink{
        cluster->id(),
        [n = cluster.get()](std::string bytes) { n->publish(kMessagesChannel, std::move(bytes)); },
        [n = cluster.get()] { return n->redis_up(); }};
  }
  sequencer = std::make_unique<chat::Sequencer>(nsp, *db, *blocking, io->at(0).get_executor(), link,
                                                std::move(others));
  if (cluster)
    cluster->subscribe(kMessagesChannel,
                       [s = sequencer.get()](std::string_view bytes) { s->remote(bytes); });
  sequencer->start();
  if (c.recovery_window_seconds > 0) {
    chat::RecoverySettings rs{std::chrono::seconds(c.recovery_window_seconds),
                              c.recovery_max_messages};
    recovery = std::make_unique<chat::ChatRecovery>(
        nsp.name(), nsp.parser(), *db, *blocking, chat::SessionPid(tokens->derive_key("chat-pid")),
        rs, link, &chat::Gateway::user_of);
    nsp.set_recovery(recovery.get());
    recovery->start_pruning(io->at(0).get_executor());
  }
}

void App::Parts::make_chat() {
  const auto& c = config;
  writer = std::make_unique<chat::BatchWriter>(
      *db, chat::BatchWriter::kMaxBatch,
      [s = sequencer.get()](std::span<const chat::BatchWriter::Committed> batch) {
        s->committed(batch);
      });
  chat::ChatLimits limits{c.max_message_length, c.message_rate_per_second, c.message_burst,
                          std::chrono::milliseconds(c.message_rate_wait_ms)};
  chat = std::make_unique<chat::ChatService>(
      *db, *blocking, *writer, limits, issued_image_resolver(*blobs), issued_image_exists(*blobs),
      [&store = *blobs](std::string key) { return store.remove(std::move(key)); });
  // A deleted user must not stay known to the chat rules (chatd user delete).
  auth.feed->on_user_revoked([c = chat.get()](std::int64_t id) { c->forget_user(id); });
  groups = std::make_unique<chat::GroupService>(*db, *blocking, *chat, c.group_max_members);
  chat_events = std::make_unique<chat::ChatEvents>(sio->of("/chat"));
  groups->on_membership(
      [e = chat_events.get()](const chat::GroupChange& c) { e->membership_changed(c); });
  presence_feed = std::make_unique<chat::PresenceFeed>(
      sio->of("/chat"), *online, *db, *blocking, io->at(0).get_executor(),
      std::chrono::milliseconds(c.presence_coalesce_ms));
  gateway =
      std::make_unique<chat::Gateway>(sio->of("/chat"), *auth.service, *chat, *groups, *chat_events,
                                      *online, recovery.get(), c.presence_max_subscriptions);
  chat::add_routes(router, *chat, *groups, *chat_events, link);
  chat::add_group_routes(router, *groups, *chat, *chat_events, link);
  // Before users::add_routes: "/api/users/online" must not be taken for "/api/users/:userId".
  chat::add_presence_routes(router, *online, sio->of("/chat"));
  users::add_routes(router, *users, link);
  chat::add_upload_routes(router, *chat, *uploads, link);
  search = std::make_unique<chat::MessageSearch>(*db, *blocking, *chat, c.search_rate_per_second,
                                                 c.search_burst);
  chat::add_search_routes(router, *search, link);
}

// After every other namespace: the Admin UI counts the sockets of those that exist.
void App::Parts::make_admin_ui() {
  const auto& c = config;
  if (!c.admin_ui_password) return;
  admin::AdminOptions ao;
  ao.username = c.admin_ui_username;
  ao.password = *c.admin_ui_password;
  ao.readonly = c.admin_ui_readonly;
  ao.development = c.admin_ui_mode == "development";
  ao.clustered = cluster != nullptr;
  // Nodes on one host would share the host name: the UI tells servers apart by this id.
  if (cluster) ao.server_id = admin::host_name() + "#" + std::to_string(getpid());
  admin_ui = std::make_unique<admin::AdminUi>(*io, *sio, *engine, std::move(ao));
  spdlog::info("admin ui: the /admin namespace is on ({} mode{})", c.admin_ui_mode,
               c.admin_ui_readonly ? ", read-only" : "");
}

void App::Parts::make_http_server() {
  const auto& c = config;
  engine->add_routes(router, c.socketio_path);
  const auto web_root = locate_web_root(c.web_root);
  if (auto problem = web_root_problem(web_root)) spdlog::warn("{}", *problem);
  add_socketio_client_routes(router, web_root, c.socketio_path);
  add_system_routes(router, *db, *db_probe, metrics, web_root,
                    [n = cluster.get()]() -> std::string {
                      if (!n) return "off";
                      return n->redis_up() ? "up" : "down";
                    });
  http::ServerOptions so;
  so.host = c.host;
  so.port = c.port;
  so.body_limit = c.max_payload_bytes;
  // The file limit is checked on the file itself; the body may add a little form framing.
  so.upload_limit = c.max_upload_bytes + 64 * 1024;
  so.max_connections = c.max_connections;
  so.max_connections_per_ip = c.max_connections_per_ip;
  so.header_timeout = std::chrono::milliseconds(c.header_timeout_ms);
  so.trusted_proxies = http::TrustedProxies::parse(c.trusted_proxies);
  so.cors = http::CorsPolicy(cors_options(c));
  server = std::make_unique<http::Server>(*io, so, router, metrics);
  server->set_upgrade_handler(c.socketio_path + "/", engine->upgrade_handler());
  if (echo) server->set_upgrade_handler("/engine.io", echo->upgrade_handler());
}

// The message store and the database: what a message costs on its way in.
void App::Parts::add_store_metrics() {
  metrics.add_counter("chatd_messages_stored_total", "Chat messages stored.",
                      [w = writer.get()] { return static_cast<double>(w->stored()); });
  metrics.add_counter("chatd_message_batches_total", "Transactions that stored messages.",
                      [w = writer.get()] { return static_cast<double>(w->batches()); });
  metrics.add_counter(
      "chatd_message_store_failures_total",
      "Chat messages whose batch failed to store (refused, database unreachable, or outcome "
      "unknown).",
      [w = writer.get()] { return static_cast<double>(w->failed()); });
  metrics.add_histogram(
      "chatd_message_store_seconds",
      "From a checked message's arrival at the writer to its transaction's commit.",
      writer->store_latency());
  metrics.add_histogram(
      "chatd_delivery_fanout_seconds",
      "From a stored message's broadcast to its hand-off to every local socket of its rooms.",
      delivery_fanout);
  metrics.add_gauge("chatd_database_up",
                    "1 while the database is in use, 0 while chatd finds it unreachable.",
                    [d = db.get()] { return d->known_down() ? 0.0 : 1.0; });
  metrics.add_gauge(
      "chatd_search_index_backlog",
      "Messages stored but not yet in the search index (PostgreSQL indexes in the background).",
      [d = db.get()] { return static_cast<double>(d->search_backlog()); });
  metrics.add_counter(
      "chatd_delivery_store_reads_total",
      "Stored messages delivered live from a read of the store (not from this node's writer or "
      "another node's publication).",
      [s = sequencer.get()] { return static_cast<double>(s->read_messages()); });
}

void App::Parts::add_metrics() {
  add_store_metrics();
  metrics.add_gauge("chatd_engineio_sessions", "Open Engine.IO sessions.",
                    [e = engine.get()] { return static_cast<double>(e->session_count()); });
  metrics.add_gauge("chatd_engineio_anonymous_sessions",
                    "Engine.IO sessions that have not joined a namespace yet.",
                    [e = engine.get()] { return static_cast<double>(e->anonymous_count()); });
  metrics.add_counter(
      "chatd_engineio_handshakes_refused_total",
      "Engine.IO handshakes refused by a limit (per-IP rate or sessions, session limit).",
      [e = engine.get()] { return static_cast<double>(e->handshakes_refused()); });
  metrics.add_gauge("chatd_socketio_sockets", "Connected Socket.IO sockets.",
                    [s = sio.get()] { return static_cast<double>(s->socket_count()); });
  metrics.add_counter(
      "chatd_slow_clients_dropped_total", "Clients disconnected for not reading.",
      [e = engine.get()] { return static_cast<double>(e->dropped_slow_clients()); });
  metrics.add_counter(
      "chatd_presence_announcements_total",
      "Presence changes announced (one broadcast each, to the user's peers and subscribers).",
      [f = presence_feed.get()] { return static_cast<double>(f->announced()); });
  metrics.add_gauge("chatd_http_open_connections", "Open HTTP connections.",
                    [s = server.get()] { return static_cast<double>(s->open_connections()); });
  metrics.add_gauge("chatd_open_sockets",
                    "Client connections holding a place in MAX_CONNECTIONS, WebSockets included.",
                    [s = server.get()] { return static_cast<double>(s->open_sockets()); });
  metrics.add_counter(
      "chatd_accept_failures_total",
      "accept() calls that failed for want of file descriptors or memory; accepting pauses.",
      [s = server.get()] { return static_cast<double>(s->accept_failures()); });
  metrics.add_counter("chatd_connections_refused_total",
                      "Connections closed at once by MAX_CONNECTIONS or MAX_CONNECTIONS_PER_IP.",
                      [s = server.get()] { return static_cast<double>(s->refused()); });
}

App::~App() {
  if (parts_ && parts_->cluster) parts_->cluster->stop();
  if (parts_ && parts_->io) {
    parts_->io->stop();
    parts_->io->join();
    // Before the Socket.IO server and its namespaces go: the sessions' listeners refer to them.
    if (parts_->engine) parts_->engine->release_all();
    if (parts_->echo) parts_->echo->release_all();
  }
}

void App::start() {
  if (parts_->cluster) parts_->cluster->start();
  parts_->auth.start(parts_->io->at(0));
  if (parts_->admin_ui) parts_->admin_ui->start();
  parts_->server->start();
  parts_->io->start();
  spdlog::info("chatd listening on {}:{}", parts_->config.host, parts_->server->port());
}

std::uint16_t App::port() const {
  return parts_->server->port();
}

void App::wait_for_signal() {
  std::promise<int> got;
  boost::asio::signal_set signals(parts_->io->at(0), SIGINT, SIGTERM);
  signals.async_wait(
      [&got](const boost::system::error_code& ec, int sig) { got.set_value(ec ? 0 : sig); });
  const int sig = got.get_future().get();
  spdlog::info("received signal {}, stopping", sig);
}

void App::stop(int drain_seconds) {
  auto& p = *parts_;
  p.server->stop();
  if (p.admin_ui) p.admin_ui->stop();
  p.engine->close_all("server shutting down");
  if (p.echo) p.echo->close_all("server shutting down");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(drain_seconds);
  while (p.server->open_connections() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (p.server->open_connections() > 0)
    spdlog::warn("{} connections still open after {} s; closing them", p.server->open_connections(),
                 drain_seconds);
  // The last disconnects' presence changes: announced now, through the cluster still up.
  p.presence_feed->hurry();
  const auto settled_by = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while ((p.online->transitions_in_flight() > 0 || !p.presence_feed->idle()) &&
         std::chrono::steady_clock::now() < settled_by)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (p.cluster) p.cluster->stop();  // after the last disconnects updated presence
  p.sequencer->stop();
  p.io->stop();
  p.io->join();
  p.writer->stop();
  p.auth.stop();
  p.blocking->stop();
  spdlog::info("chatd stopped");
}

}  // namespace chatd::app
