#include <stdexcept>

#include "storage/database_url.hpp"
#include "storage/postgres/pg_database.hpp"
#include "storage/repository.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace chatd::storage {

std::unique_ptr<Database> open_database(const std::string& url, const DatabaseOptions& options) {
  const auto scheme = url_scheme(url);
  if (scheme == "sqlite") return sqlite::open_sqlite(sqlite_path(url));
  if (scheme == "postgresql" || scheme == "postgres") return postgres::open_postgres(url, options);
  throw std::runtime_error("DATABASE_URL: unsupported scheme '" + scheme +
                           "' (use sqlite:// or postgresql://)");
}

}  // namespace chatd::storage
