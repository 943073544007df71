#pragma once
// Message shapes: the REST Message of docs/rest.md and the event payloads of docs/events.md.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <string>

#include "storage/models.hpp"

namespace chatd::chat {

// Turns a stored image key into a link (signed at read time for Azure).
using ImageLinker = std::function<std::string(const std::string& key)>;

// A group's message also has groupId (other messages do not, as in the original's shape).
// With editedAt (null unless edited), deleted (a tombstone: content "", blobUrl null) and
// reactions (as filled for the reader; [] when none or not filled) and replyTo (null unless it
// answers a message and that was filled).
boost::json::object message_json(const storage::Message& m, const ImageLinker& link);
// message_edited: {id, message, editedAt}
boost::json::object edited_event(const storage::Message& m);
// message_deleted: {id}
boost::json::object deleted_event(const storage::Message& m);
// replyTo: {id, senderId, username, type: "text" | "image", preview}, the preview being the first
// kPreviewLength code points of the answered message's text now (kImagePreview for an image);
// {id, deleted: true} once it was deleted.
inline constexpr std::size_t kPreviewLength = 100;
inline constexpr const char* kImagePreview = "[image]";
boost::json::object reply_json(const storage::ReplyRef& r);
// The first kPreviewLength code points of valid UTF-8 text.
std::string_view preview_of(std::string_view text);
// [{emoji, count, mine}]
boost::json::array reactions_json(const std::vector<storage::ReactionCount>& reactions);
// reaction: {id, emoji, userId, on}
boost::json::object reaction_event(std::int64_t id, std::string_view emoji, std::int64_t user,
                                   bool on);
// react's ack and the REST routes' data: {id, emoji, on, reactions} (mine: the caller's)
boost::json::object reaction_ack(std::int64_t id, std::string_view emoji, bool on,
                                 const std::vector<storage::ReactionCount>& reactions);
// reactions (recovery): {id, reactions: [{emoji, count, mine}]}
boost::json::object reactions_event(std::int64_t id,
                                    const std::vector<storage::ReactionCount>& reactions);
// The stored-message events below carry editedAt only when the message was edited (a replay
// reads it as stored now), reactions only when it has some (a replay), replyTo only when it
// answers a message; a tombstone goes out as message_deleted instead.
// public_message: {sender, message} + id, senderId, username, createdAt
boost::json::object public_event(const storage::Message& m, const std::string& username);
// private_message: {senderId, message} + id, recipientId, username, createdAt
boost::json::object private_event(const storage::Message& m, const std::string& username);
// group_message: {groupId, senderId, message} + id, username, createdAt
boost::json::object group_event(const storage::Message& m, const std::string& username);
// image_sent: {senderId, message: url} + id, recipientId, username, createdAt, width, height
// (+ groupId for a group's image)
boost::json::object image_event(const storage::Message& m, const std::string& username,
                                const ImageLinker& link);

}  // namespace chatd::chat
