#pragma once
// Reactions: a user's emoji on a message. Who may react is the caller's rule (as for edits);
// storage keeps one row per (message, emoji, user), refuses tombstones (whose rows
// MessageRepository::remove deleted), caps the distinct emojis of a message and counts them for
// a reader.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/models.hpp"

namespace chatd::storage {

struct ReactionChange {
  enum class Outcome {
    kChanged,    // stored or removed
    kUnchanged,  // it already was as asked
    kNoMessage,  // no such message, or a tombstone
    kTooMany,    // a new emoji on a message that has max_distinct already: nothing stored
  };
  Outcome outcome = Outcome::kNoMessage;
  bool on = false;  // whether the user's reaction is there now (kChanged, kUnchanged)
};

struct MessageReactions {
  std::int64_t message_id = 0;
  std::vector<ReactionCount> reactions;  // in the order each emoji was first used
};

class ReactionRepository {
 public:
  virtual ~ReactionRepository() = default;
  // Puts (on true) or takes back (on false) user_id's `emoji` on message_id; nullopt toggles.
  // In one transaction, serialised per message (the cap holds under concurrent reactions). A
  // change sets the message's reacted_at to now (see changed_for).
  virtual ReactionChange react(std::int64_t message_id, std::int64_t user_id,
                               const std::string& emoji, std::optional<bool> on,
                               std::size_t max_distinct) = 0;
  // The reactions of those of `message_ids` that have any and are not tombstones, in id
  // order, with `mine` for viewer_id.
  virtual std::vector<MessageReactions> for_messages(const std::vector<std::int64_t>& message_ids,
                                                     std::int64_t viewer_id) = 0;
  // The ids <= up_to_id of the messages user_id may read (as MessageRepository::changed_for)
  // whose reactions changed at a time > since, in id order, at most `limit`.
  virtual std::vector<std::int64_t> changed_for(std::int64_t user_id, std::int64_t up_to_id,
                                                Millis since, std::size_t limit) = 0;
};

// Fills each message's `reactions` for viewer_id (one for_messages query for them all).
void fill_reactions(ReactionRepository& repo, std::vector<Message>& messages,
                    std::int64_t viewer_id);

}  // namespace chatd::storage
