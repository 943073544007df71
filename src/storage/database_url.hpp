#pragma once
// DATABASE_URL parsing shared by open_database() and the backends' error messages.
#include <string>
#include <utility>
#include <vector>

#include "storage/options.hpp"

namespace chatd::storage {

// The lower-cased scheme ("sqlite", "postgresql", ...). Throws std::runtime_error if the URL
// has no "<scheme>://" prefix.
std::string url_scheme(const std::string& url);

// "sqlite://./data/chatd.db" -> "./data/chatd.db", "sqlite:///var/x.db" -> "/var/x.db",
// "sqlite://:memory:" -> ":memory:". Throws std::runtime_error if the path is empty.
std::string sqlite_path(const std::string& url);

// Removes the URL's password (raw and percent-decoded) from a driver message and folds it onto
// one line, so it can go into logs and start-up errors.
std::string redact_password(std::string message, const std::string& url);

// Name and value of a connection parameter.
using UrlParam = std::pair<std::string, std::string>;

// The URL with the parameters it does not set itself added to its query string: each of
// `params` (libpq keywords, "connect_timeout") unless the query has that key, and each of
// `server_settings` ("statement_timeout") as "-c name=value" in the "options" parameter unless
// options sets it already (as -c name=..., -cname=... or --name=...; "-" and "_" alike). What the
// URL says always wins; its own text is kept as it is.
std::string with_url_defaults(const std::string& url, const std::vector<UrlParam>& params,
                              const std::vector<UrlParam>& server_settings);

// A postgresql:// DATABASE_URL with chatd's deadlines (docs/configuration.md, "Database
// deadlines"): connect_timeout, TCP keepalives, tcp_user_timeout, and the server's
// statement_timeout and idle_in_transaction_session_timeout.
std::string postgres_url_with_deadlines(const std::string& url, const DatabaseOptions& options);

}  // namespace chatd::storage
