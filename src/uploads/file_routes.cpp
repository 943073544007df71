#include "uploads/file_routes.hpp"

#include "blob/blob_name.hpp"
#include "blob/local_store.hpp"
#include "http/error.hpp"
#include "uploads/stored_file.hpp"

namespace chatd::uploads {
using boost::asio::awaitable;

void add_file_routes(http::Router& router, blob::BlobStore& store, core::BlockingPool& pool) {
  const auto* local = dynamic_cast<const blob::LocalBlobStore*>(&store);
  if (!local) return;
  router.add(
      "GET", "/uploads/:name",
      [dir = local->dir(), &pool](http::Request& req) -> awaitable<http::Response> {
        const auto& name = req.param("name");
        if (!blob::parse_blob_name(name))
          throw http::not_found("Cannot " + req.method + " " + req.path);
        StoredFileRequest sr;
        if (auto v = req.header("if-none-match")) sr.if_none_match = std::string(*v);
        if (auto v = req.header("range")) sr.range = std::string(*v);
        if (auto v = req.header("if-range")) sr.if_range = std::string(*v);
        auto job = [file = dir / name, name, sr] { return serve_stored_file(file, name, sr); };
        auto res = co_await pool.run(std::move(job));
        if (!res) throw http::not_found("Cannot " + req.method + " " + req.path);
        // The server reads the chunks as it sends them: on this pool, not on an I/O thread
        // that a slow disk would stall for every connection it serves.
        if (res->file) res->file->read_pool = &pool;
        co_return std::move(*res);
      },
      true);
}

}  // namespace chatd::uploads
