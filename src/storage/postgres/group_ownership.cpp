#include "storage/postgres/group_ownership.hpp"

#include <pqxx/result>

#include "storage/postgres/group_statements.hpp"

namespace chatd::storage::postgres {

OwnershipChange settle_ownership(pqxx::work& tx, std::int64_t group_id) {
  OwnershipChange out;
  const auto next = tx.exec_prepared(stmt::kGroupNextOwner, group_id);
  if (!next.empty()) out.new_owner = next[0][0].as<std::int64_t>();
  out.group_deleted = tx.exec_prepared(stmt::kGroupDelete, group_id).affected_rows() > 0;
  return out;
}

}  // namespace chatd::storage::postgres
