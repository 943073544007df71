#pragma once
#include <cstddef>
#include <memory>
#include <string>

#include "storage/repository.hpp"

namespace chatd::storage::postgres {

inline constexpr std::size_t kDefaultPoolSize = 8;

// Connects to PostgreSQL (the URL goes to libpq as is), applies pending migrations under an
// advisory lock, and returns a pooled Database. Errors are std::runtime_error("DATABASE_URL:
// ...") without the password.
std::unique_ptr<Database> open_postgres(const std::string& url,
                                        std::size_t pool_size = kDefaultPoolSize);

}  // namespace chatd::storage::postgres
