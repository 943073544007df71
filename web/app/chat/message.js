// The client's message shape, built from what the server sends (REST history rows and Socket.IO
// events differ), plus the orderings and comparisons the store needs. Pure: no DOM, no socket.
import { sameUrl } from '../url.js';
import { readReactions } from './reactions.js';
import { readReplyTo } from './replies.js';

// {key, id, senderId, username, type: 'text'|'image', text, url, width, height, createdAt,
//  recipientId, groupId, editedAt, deleted, reactions: [{emoji, count, mine}], replyTo: quote |
//  null (replies.js), status: 'sent'|'pending'|'failed', error?, seq?, conversationId?, file?,
//  localUrl?}
// A deleted message is a tombstone: its id stays in its place, with no text, image or reactions.
// key names the element while the id is unknown (pending sends are 'p<seq>', stored ones 'm<id>').

export function fromHistory(row, usernameOf) {
  const image = row.type === 'image';
  const deleted = row.deleted === true;
  return {
    key: `m${row.id}`,
    id: row.id,
    senderId: row.senderId,
    username: row.sender?.username ?? usernameOf(row.senderId),
    type: image ? 'image' : 'text',
    text: image || deleted ? '' : String(row.content ?? ''),
    url: image && !deleted ? (row.blobUrl ?? row.content) : null,
    width: row.width ?? null,
    height: row.height ?? null,
    createdAt: row.createdAt,
    recipientId: row.recipientId ?? null,
    groupId: row.groupId ?? null,
    editedAt: row.editedAt ?? null,
    deleted,
    reactions: deleted ? [] : readReactions(row.reactions),
    replyTo: readReplyTo(row.replyTo),
    status: 'sent',
  };
}

// public_message, private_message and group_message carry text, image_sent an image URL in
// `message`; older servers name the sender `sender` instead of `senderId`. A replayed message
// that was edited meanwhile carries its current text and `editedAt`, and its reactions; a reply
// carries `replyTo`.
export function fromEvent(ev, type, usernameOf, now) {
  const senderId = ev.senderId ?? ev.sender;
  return {
    key: `m${ev.id}`,
    id: ev.id,
    senderId,
    username: ev.username ?? usernameOf(senderId),
    type,
    text: type === 'text' ? String(ev.message ?? '') : '',
    url: type === 'image' ? ev.message : null,
    width: ev.width ?? null,
    height: ev.height ?? null,
    createdAt: ev.createdAt ?? now(),
    recipientId: ev.recipientId ?? null,
    groupId: ev.groupId ?? null,
    editedAt: ev.editedAt ?? null,
    deleted: false,
    reactions: readReactions(ev.reactions),
    replyTo: readReplyTo(ev.replyTo),
    status: 'sent',
  };
}

// Stored messages by id; unsent ones (no id yet) after them, in the order they were written.
export function byIdThenSeq(a, b) {
  const ai = a.id ?? Number.MAX_SAFE_INTEGER;
  const bi = b.id ?? Number.MAX_SAFE_INTEGER;
  return ai - bi || (a.seq ?? 0) - (b.seq ?? 0);
}

// Whether a stored message is the same text or image as one we are still sending: how our own
// broadcast, or a catch-up row, is recognised when its ack has not come (or never will).
export function sameContent(unsent, stored) {
  if (unsent.type !== stored.type) return false;
  return stored.type === 'text' ? unsent.text === stored.text : sameUrl(unsent.url, stored.url);
}

export function previewText(m) {
  if (m.deleted) return 'Message deleted';
  return m.type === 'image' ? 'Photo' : m.text.replace(/\s+/g, ' ').slice(0, 120);
}
