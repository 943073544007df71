#pragma once
// Versioned schema migrations: the SQL files under src/storage/migrations/<backend>/, compiled
// into the binary. The runner is shared; each backend supplies how to lock, read and apply.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "app/embedded.hpp"

namespace chatd::storage {

struct Migration {
  int version = 0;       // the file name's leading number: "001_init.sql" -> 1
  std::string name;      // the file name, for messages
  std::string_view sql;  // points into the embedded table, which lives for the whole program
};

// The migrations of one backend folder ("sqlite" or "postgres") in version order. Throws
// std::runtime_error on a file name without a version or on two files with the same version.
std::vector<Migration> find_migrations(const std::vector<embedded::File>& files,
                                       std::string_view backend);
std::vector<Migration> embedded_migrations(std::string_view backend);

class MigrationTarget {
 public:
  virtual ~MigrationTarget() = default;
  // Held from before reading the applied versions until the last migration is applied, so
  // that several nodes starting at once apply each migration exactly once.
  virtual void lock() = 0;
  virtual void unlock() noexcept = 0;
  // Creates schema_migrations if needed and returns the versions recorded in it.
  virtual std::set<int> applied_versions() = 0;
  // Runs the migration and records its version, in one transaction.
  virtual void apply(const Migration& migration) = 0;
};

// Applies the pending migrations in version order; returns how many were applied. A failure
// throws std::runtime_error naming the file; migrations already applied stay applied.
int run_migrations(MigrationTarget& target, const std::vector<Migration>& migrations);

}  // namespace chatd::storage
