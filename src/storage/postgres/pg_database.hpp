#pragma once
#include <cstddef>
#include <memory>
#include <string>

#include "storage/options.hpp"
#include "storage/repository.hpp"

namespace chatd::storage::postgres {

inline constexpr std::size_t kDefaultPoolSize = 8;

// Connects to PostgreSQL (the URL goes to libpq with the deadlines of `options` added where it
// sets none itself: postgres_url_with_deadlines), applies pending migrations under an advisory
// lock, and returns a pooled Database. Errors are std::runtime_error("DATABASE_URL: ...")
// without the password.
std::unique_ptr<Database> open_postgres(const std::string& url, const DatabaseOptions& options,
                                        std::size_t pool_size = kDefaultPoolSize);

}  // namespace chatd::storage::postgres
