#pragma once
// What the chat rules take: plain values that the gateway (chat/json_input.hpp) and the REST
// routes parse requests into. Each is a struct, so a field can join it without changing every
// signature on the way. Also the checks on text and ids that both transports share.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chat/error.hpp"
#include "storage/models.hpp"

namespace chatd::chat {

struct ImageRef {
  std::string key;  // blob key
  std::optional<int> width, height;
  // Set for a URL a client sent back (ChatService::resolve_image): its blob may have been
  // deleted since it was issued (a replaced avatar), so post_image checks it is still stored.
  // An upload just made needs no check.
  bool check_stored = false;
};

// What every post may also carry: the client's idempotency key (clientMsgId: a repeat from the
// same sender is answered with the first message and stores nothing), and the socket it came
// from ("" over REST), which live delivery leaves out of a message with a recipient.
// replyTo: the message it answers, which must be one of the same conversation.
struct PostOrigin {
  std::optional<std::string> client_msg_id = std::nullopt;
  std::string socket = {};
  std::optional<std::int64_t> reply_to = std::nullopt;
};

struct PublicPost {
  std::string text;
  PostOrigin origin = {};
};

struct PrivatePost {
  std::int64_t recipient = 0;
  std::string text;
  PostOrigin origin = {};
};

// A message to a group the sender is a member of.
struct GroupPost {
  std::int64_t group = 0;
  std::string text;
  PostOrigin origin = {};
};

// Public when there is neither a recipient nor a group.
struct ImagePost {
  ImageRef image;
  std::optional<std::int64_t> recipient = std::nullopt;
  PostOrigin origin = {};
  std::optional<std::int64_t> group = std::nullopt;
};

// The reader has read the conversation with peer (or, when group is set, the group) up to
// last_message_id.
struct ReadMark {
  std::int64_t peer = 0;
  std::int64_t last_message_id = 0;
  std::optional<std::int64_t> group = std::nullopt;
};

// edit_message / PATCH /api/chat/messages/:id: the message and its new text (checked as a
// post's text).
struct MessageEdit {
  std::int64_t id = 0;
  std::string text;
};

// react / PUT|DELETE /api/chat/messages/:id/reactions/:emoji: the caller's emoji on a message
// (checked by check_reaction_emoji), put (on true), taken back (false) or toggled (nullopt).
struct ReactionInput {
  std::int64_t id = 0;
  std::string emoji;
  std::optional<bool> on = std::nullopt;
};

// A page of the conversation between users a and b (both directions).
struct ConversationQuery {
  std::int64_t a = 0;
  std::int64_t b = 0;
  storage::HistoryQuery page = {};
};

// True when the text shows nothing: empty, or only Unicode white space, zero-width characters or
// BOM. A malformed sequence counts as something shown.
bool blank(std::string_view text);

// Accepts the text of a message as it is, or throws ChatError kInvalidInput, checking in the
// order of docs/events.md: no NUL, not blank (only Unicode white space, zero-width characters
// or BOM), at most max_length code points (not bytes). The text is valid UTF-8 (the JSON
// parser checked it).
void check_text(std::string_view text, std::size_t max_length);

// Accepts a clientMsgId: 1 to storage::kMaxClientMsgIdLength characters (code points), or
// throws ChatError kInvalidInput "clientMsgId must be a string of at most 64 characters".
void check_client_msg_id(std::string_view id);

// A positive base-10 int64 written as text (an id in a string); nullopt for anything else.
std::optional<std::int64_t> positive_id(std::string_view text);

// "<field> must be a positive integer", and the ChatError kInvalidInput that says it.
std::string invalid_id_message(std::string_view field);
ChatError invalid_id(std::string_view field);

}  // namespace chatd::chat
