// ChatService's replies: a new message that answers a stored one of its conversation.
#include "chat/access.hpp"
#include "chat/service.hpp"

namespace chatd::chat {

boost::asio::awaitable<void> ChatService::attach_reply(storage::NewMessage& m, std::int64_t id) {
  auto job = [this, id] { return db_.messages().find(id); };
  auto found = co_await pool_.run(std::move(job));
  // One answer for "no such message" and "another conversation's": a stranger learns nothing.
  if (!found || !same_conversation(*found, m))
    throw ChatError(ErrorKind::kInvalidInput, "replyTo must be a message of this conversation");
  if (found->deleted) throw ChatError(ErrorKind::kInvalidInput, "replyTo: message was deleted");
  m.reply = storage::ReplyRef{found->id,
                              found->sender_id,
                              std::move(found->sender_username),
                              std::move(found->content),
                              found->type,
                              false};
}

}  // namespace chatd::chat
