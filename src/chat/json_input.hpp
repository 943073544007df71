#pragma once
// Socket.IO payloads (JSON values) into the chat's input types, with the checks and messages of
// docs/events.md in their documented order; a refusal throws ChatError kInvalidInput. Also the
// JSON id rule that the REST body of PUT /api/chat/read/:peerId shares.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "chat/input.hpp"
#include "chat/typing.hpp"

namespace chatd::chat {

class ChatService;

// An id given as a JSON integer, an integral number below 9e15 or a numeric string; nullopt
// unless it is positive (and for a missing value).
std::optional<std::int64_t> json_id(const boost::json::value* value);

// The payload as an object, or "payload must be an object <shape>".
const boost::json::object& payload_object(const boost::json::value& payload,
                                          std::string_view shape);

// public_message: the text as a bare string, or {message}.
PublicPost public_post(const boost::json::value& payload, std::size_t max_length);
// private_message: {recipientId, message}, once payload_object accepted it.
PrivatePost private_post(const boost::json::object& payload, std::size_t max_length);
// group_message: {groupId, message}, once payload_object accepted it.
GroupPost group_post(const boost::json::object& payload, std::size_t max_length);
// send_image: {imageUrl, recipientId?} or {imageUrl, groupId} (null recipientId and no groupId:
// public); the URL must be one chatd issued (ChatService::resolve_image).
ImagePost image_post(const boost::json::value& payload, const ChatService& chat);
// join_room: {recipientId}, the peer whose pair room to join.
std::int64_t join_peer(const boost::json::value& payload);
// mark_read: {peerId, lastMessageId} or {groupId, lastMessageId}.
ReadMark read_mark(const boost::json::value& payload);
// edit_message: {id, message}.
MessageEdit message_edit(const boost::json::value& payload, std::size_t max_length);
// react: {id, emoji, on?} (on absent or null: toggle).
ReactionInput reaction_input(const boost::json::value& payload);
// delete_message: {id}.
std::int64_t message_ref(const boost::json::value& payload);
// presence_subscribe, presence_unsubscribe: {userIds: [id, ...]}, at most `max` ids; sorted,
// each once.
std::vector<std::int64_t> presence_ids(const boost::json::value& payload, std::size_t max);
// typing: {peerId, on}, {groupId, on} or {room: "public", on}.
TypingSignal typing_signal(const boost::json::value& payload);

}  // namespace chatd::chat
