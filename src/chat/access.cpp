#include "chat/access.hpp"

#include <algorithm>

namespace chatd::chat {

bool may_read(std::int64_t user, const storage::Message& m, storage::Database& db) {
  if (m.is_public) return true;
  if (m.group_id) return db.groups().role_of(*m.group_id, user).has_value();
  return m.sender_id == user || m.recipient_id == user;
}

bool same_conversation(const storage::Message& m, const storage::NewMessage& n) {
  if (n.is_public || m.is_public) return n.is_public && m.is_public;
  if (n.group_id || m.group_id) return n.group_id == m.group_id;
  // Values, not std::minmax's references (to temporaries here).
  const std::int64_t m_peer = m.recipient_id.value_or(m.sender_id);
  const std::int64_t n_peer = n.recipient_id.value_or(n.sender_id);
  return std::min(m.sender_id, m_peer) == std::min(n.sender_id, n_peer) &&
         std::max(m.sender_id, m_peer) == std::max(n.sender_id, n_peer);
}

}  // namespace chatd::chat
