#include "storage/repository.hpp"

namespace chatd::storage {

void fill_for_reader(Database& db, std::vector<Message>& messages, std::int64_t viewer_id) {
  fill_reactions(db.reactions(), messages, viewer_id);
  fill_replies(db.messages(), messages);
}

void fill_for_reader(Database& db, const std::vector<Message*>& messages, std::int64_t viewer_id) {
  // Moved out and back: the fills take a contiguous list, and a move leaves no copy of the text.
  std::vector<Message> list;
  list.reserve(messages.size());
  for (auto* m : messages) list.push_back(std::move(*m));
  fill_for_reader(db, list, viewer_id);
  for (std::size_t i = 0; i < messages.size(); ++i) *messages[i] = std::move(list[i]);
}

}  // namespace chatd::storage
