// ChatService's edits and deletes of stored messages.
#include <string>

#include "chat/access.hpp"
#include "chat/service.hpp"

namespace chatd::chat {
using storage::Message;

boost::asio::awaitable<Message> ChatService::readable_message(std::int64_t user, std::int64_t id) {
  auto job = [this, id, user] {
    auto found = db_.messages().find(id);
    if (found && !may_read(user, *found, db_)) found.reset();
    return found;
  };
  auto found = co_await pool_.run(std::move(job));
  if (!found) throw ChatError(ErrorKind::kNotFound, "message not found");
  co_return std::move(*found);
}

boost::asio::awaitable<Message> ChatService::own_message(std::int64_t user, std::int64_t id,
                                                         const char* verb) {
  auto found = co_await readable_message(user, id);
  if (found.sender_id != user)
    throw ChatError(ErrorKind::kForbidden,
                    std::string("you can only ") + verb + " your own messages");
  co_return found;
}

boost::asio::awaitable<Message> ChatService::edit_message(core::Principal user, MessageEdit edit,
                                                          Clock::time_point arrived) {
  co_await take_token(user.id, arrived);
  const auto current = co_await own_message(user.id, edit.id, "edit");
  if (current.deleted) throw ChatError(ErrorKind::kInvalidInput, "message was deleted");
  if (current.type == storage::MessageType::kImage)
    throw ChatError(ErrorKind::kInvalidInput, "images cannot be edited");
  auto job = [this, id = edit.id, sender = user.id, text = std::move(edit.text)] {
    auto edited = db_.messages().edit(id, sender, text);
    if (edited) storage::fill_for_reader(db_, std::vector<Message*>{&*edited}, sender);
    return edited;
  };
  auto edited = co_await pool_.run(std::move(job));
  // The checks above passed, so only a delete can have come in between.
  if (!edited) throw ChatError(ErrorKind::kInvalidInput, "message was deleted");
  co_return std::move(*edited);
}

boost::asio::awaitable<ChatService::Deletion> ChatService::delete_message(
    core::Principal user, std::int64_t id, Clock::time_point arrived) {
  co_await take_token(user.id, arrived);
  auto current = co_await own_message(user.id, id, "delete");
  if (current.deleted) co_return Deletion{std::move(current), false};
  auto job = [this, id, sender = user.id] { return db_.messages().remove(id, sender); };
  auto removed = co_await pool_.run(std::move(job));
  // Another request deleted it in between: its tombstone is what there is.
  if (!removed) {
    auto again = [this, id] { return db_.messages().find(id); };
    auto tombstone = co_await pool_.run(std::move(again));
    if (!tombstone) throw ChatError(ErrorKind::kNotFound, "message not found");
    co_return Deletion{std::move(*tombstone), false};
  }
  if (removed->orphaned_key) {
    auto key = std::move(*removed->orphaned_key);
    co_await remove_image_(std::move(key));
  }
  co_return Deletion{std::move(removed->tombstone), true};
}

}  // namespace chatd::chat
