#pragma once
// The Socket.IO browser client at <SOCKETIO_PATH>/socket.io.js, socket.io.min.js and
// socket.io.esm.min.js with their source maps (.map), as Node's socket.io serves it
// (`serveClient`): ETag "<client version>" (a weak one matches too) answered with 304,
// `Cache-Control: public, max-age=0`, gzip or deflate when the request accepts it. The msgpack
// build is not served: chatd speaks the default parser only.
//
// The files come from the web root's node_modules/socket.io-client (installed from
// web/package-lock.json); each is read on its first request and kept in memory with its
// compressed forms.
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "http/router.hpp"

namespace chatd::app {

class ClientBundle {
 public:
  // package: the socket.io-client package folder (its dist/ and package.json).
  explicit ClientBundle(std::filesystem::path package);

  // The response for one of the served names; nullopt for any other name or a missing file.
  std::optional<http::Response> serve(const http::Request& request, std::string_view name) const;
  // From the package's package.json; empty when it cannot be read (the ETag then comes from
  // the file's contents).
  const std::string& version() const { return version_; }

  // socket.io.js, socket.io.min.js, socket.io.esm.min.js and the three .map files.
  static bool served(std::string_view name);

 private:
  struct File {
    std::string body;
    std::string etag;
    std::map<std::string, std::string, std::less<>> encoded;  // by content coding
  };
  // Files are cached once read; the lock guards the cache and each file's encoded forms.
  File* load(std::string_view name) const;
  const std::string& encoded(File& file, std::string_view coding) const;

  std::filesystem::path dist_;
  std::string version_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::unique_ptr<File>, std::less<>> files_;
};

// GET <path>/<name> for every name ClientBundle serves, from the web root's socket.io-client
// (path: SOCKETIO_PATH, "/socket.io"), and GET /app/server-config.js, the ES module that tells
// the web client that path. Before the web client's own /app/* route.
void add_socketio_client_routes(http::Router& router, const std::filesystem::path& web_root,
                                const std::string& path);

}  // namespace chatd::app
