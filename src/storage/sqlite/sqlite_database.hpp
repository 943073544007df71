#pragma once
#include <memory>
#include <string>

#include "storage/repository.hpp"

namespace chatd::storage::sqlite {

// Opens (creating it and its parent folders if needed) the SQLite file at `path`, or a private
// in-memory database for ":memory:", and applies pending migrations. Errors are
// std::runtime_error("DATABASE_URL: ...").
std::unique_ptr<Database> open_sqlite(const std::string& path);

}  // namespace chatd::storage::sqlite
