#include "chat/access.hpp"

namespace chatd::chat {

bool may_read(std::int64_t user, const storage::Message& m, storage::Database& db) {
  if (m.is_public) return true;
  if (m.group_id) return db.groups().role_of(*m.group_id, user).has_value();
  return m.sender_id == user || m.recipient_id == user;
}

}  // namespace chatd::chat
