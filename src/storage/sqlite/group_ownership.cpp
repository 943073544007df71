#include "storage/sqlite/group_ownership.hpp"

#include <SQLiteCpp/Statement.h>

namespace chatd::storage::sqlite {

OwnershipChange settle_ownership(SQLite::Database& db, std::int64_t group_id) {
  OwnershipChange out;
  SQLite::Statement owners(
      db, "SELECT count(*) FROM group_members WHERE group_id = ? AND role = 'owner'");
  owners.bind(1, group_id);
  owners.executeStep();
  if (owners.getColumn(0).getInt64() > 0) return out;
  SQLite::Statement next(db,
                         "SELECT user_id FROM group_members WHERE group_id = ?"
                         " ORDER BY role <> 'admin', joined_at, user_id LIMIT 1");
  next.bind(1, group_id);
  if (next.executeStep()) {
    out.new_owner = next.getColumn(0).getInt64();
    SQLite::Statement promote(
        db, "UPDATE group_members SET role = 'owner' WHERE group_id = ? AND user_id = ?");
    promote.bind(1, group_id);
    promote.bind(2, *out.new_owner);
    promote.exec();
  } else {
    SQLite::Statement drop(db, "DELETE FROM chat_groups WHERE id = ?");
    drop.bind(1, group_id);
    drop.exec();
    out.group_deleted = true;
  }
  return out;
}

}  // namespace chatd::storage::sqlite
