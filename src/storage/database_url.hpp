#pragma once
// DATABASE_URL parsing shared by open_database() and the backends' error messages.
#include <string>

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

}  // namespace chatd::storage
