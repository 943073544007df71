#pragma once
// The Socket.IO v5 server on top of the Engine.IO server: namespaces, middlewares, sockets.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/io_pool.hpp"
#include "realtime/engineio/server.hpp"
#include "realtime/socketio/decoder.hpp"
#include "realtime/socketio/namespace.hpp"

namespace chatd::socketio {

// A connection that joins no namespace is closed by the Engine.IO server
// (engineio::Options::handshake_timeout); joining one admits its session there.
struct ServerOptions {
  DecoderOptions decoder;
  Parser parser = Parser::json;  // SOCKETIO_PARSER
};

class Server {
 public:
  using AdapterFactory = std::function<std::unique_ptr<Adapter>(const std::string& nsp)>;

  Server(core::IoPool& io, engineio::Server& engine, ServerOptions options);
  ~Server();

  // Namespaces must be created before the server starts accepting connections.
  Namespace& of(const std::string& name);
  Namespace* find(const std::string& name);
  void set_adapter_factory(AdapterFactory factory) { adapter_factory_ = std::move(factory); }
  // Sees every socket of every namespace, those made later too; set before serving starts.
  void set_observer(Observer* observer);
  // The namespaces by name, for instrumentation; created before serving, so stable.
  template <typename F>
  void for_each_namespace(F&& f) {
    for (auto& [name, nsp] : namespaces_) f(*nsp);
  }
  engineio::Server& engine() { return engine_; }
  const ServerOptions& options() const { return options_; }
  // What a socket is told of an event whose payload nests too deep (Namespace::on_refused).
  const std::string& deep_payload_message() const { return deep_payload_message_; }
  std::size_t socket_count() const { return sockets_.load(); }

  // --- used by Client ---
  void count_socket(int delta) { sockets_ += delta; }

 private:
  core::IoPool& io_;
  engineio::Server& engine_;
  ServerOptions options_;
  std::string deep_payload_message_;
  AdapterFactory adapter_factory_;
  Observer* observer_ = nullptr;
  std::map<std::string, std::unique_ptr<Namespace>, std::less<>> namespaces_;
  std::atomic<long> sockets_{0};
};

}  // namespace chatd::socketio
