#include "realtime/socketio/server.hpp"

#include "realtime/socketio/client.hpp"
#include "realtime/socketio/local_adapter.hpp"

namespace chatd::socketio {

Server::Server(core::IoPool& io, engineio::Server& engine, ServerOptions options)
    : io_(io),
      engine_(engine),
      options_(std::move(options)),
      deep_payload_message_("payload nested deeper than " +
                            std::to_string(options_.decoder.max_json_depth) + " levels") {
  adapter_factory_ = [this](const std::string&) { return std::make_unique<LocalAdapter>(io_); };
  engine_.on_connection([this](const std::shared_ptr<engineio::Session>& session) {
    auto client = std::make_shared<Client>(*this, session);
    session->set_listener(client);
    client->start();
  });
}

Server::~Server() = default;

Namespace& Server::of(const std::string& name) {
  auto it = namespaces_.find(name);
  if (it != namespaces_.end()) return *it->second;
  auto nsp = std::make_unique<Namespace>(name, adapter_factory_(name));
  nsp->set_observer(observer_);
  nsp->set_parser(options_.parser);
  auto& ref = *nsp;
  namespaces_.emplace(name, std::move(nsp));
  return ref;
}

void Server::set_observer(Observer* observer) {
  observer_ = observer;
  for (auto& [name, nsp] : namespaces_) nsp->set_observer(observer);
}

Namespace* Server::find(const std::string& name) {
  auto it = namespaces_.find(name);
  return it == namespaces_.end() ? nullptr : it->second.get();
}

}  // namespace chatd::socketio
