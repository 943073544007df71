// ChatService's reactions on stored messages.
#include <string>

#include "chat/emoji.hpp"
#include "chat/service.hpp"

namespace chatd::chat {

boost::asio::awaitable<ChatService::Reacted> ChatService::react(core::Principal user,
                                                                ReactionInput input,
                                                                Clock::time_point arrived) {
  check_reaction_emoji(input.emoji);
  co_await take_token(user.id, arrived);
  auto message = co_await readable_message(user.id, input.id);
  if (message.deleted) throw ChatError(ErrorKind::kInvalidInput, "message was deleted");
  auto job = [this, user = user.id, input = std::move(input)] {
    auto& reactions = db_.reactions();
    const auto change = reactions.react(input.id, user, input.emoji, input.on, kMaxReactionEmojis);
    std::vector<storage::ReactionCount> now;
    if (change.outcome == storage::ReactionChange::Outcome::kChanged ||
        change.outcome == storage::ReactionChange::Outcome::kUnchanged) {
      auto found = reactions.for_messages({input.id}, user);
      if (!found.empty()) now = std::move(found.front().reactions);
    }
    return std::make_pair(change, std::move(now));
  };
  auto [change, now] = co_await pool_.run(std::move(job));
  using Outcome = storage::ReactionChange::Outcome;
  // Deleted since the look-up above.
  if (change.outcome == Outcome::kNoMessage)
    throw ChatError(ErrorKind::kInvalidInput, "message was deleted");
  if (change.outcome == Outcome::kTooMany)
    throw ChatError(ErrorKind::kInvalidInput, "at most " + std::to_string(kMaxReactionEmojis) +
                                                  " different reactions per message");
  co_return Reacted{std::move(message), change.on, change.outcome == Outcome::kChanged,
                    std::move(now)};
}

}  // namespace chatd::chat
