// The REST calls of the chat screen, by what they are for. Paths are built here only.
import { api } from '../api.js';

export const PAGE = 30; // messages per history page

function historyPath(c, params) {
  let base = '/api/chat/public';
  if (c.peerId != null) base = `/api/chat/private/${c.peerId}`;
  else if (c.groupId != null) base = `/api/chat/groups/${c.groupId}`;
  return `${base}?${new URLSearchParams(params)}`;
}

// The page before message id `before` (the newest page without it), newest first.
export function history(c, { before } = {}) {
  const params = { perPage: String(PAGE) };
  if (before != null) params.before = String(before);
  return api('GET', historyPath(c, params));
}

export const conversations = () => api('GET', '/api/chat/conversations');
export const user = (id) => api('GET', `/api/users/${id}`);
export const profile = () => api('GET', '/api/profile');

export function searchUsers(q, signal) {
  return api('GET', `/api/users?${new URLSearchParams({ q: q.slice(0, 100), perPage: '8' })}`, { signal });
}

// report: {peerId, lastMessageId} or {groupId, lastMessageId}.
export function markRead({ peerId, groupId, lastMessageId }) {
  const path = groupId != null ? `/api/chat/read/group/${groupId}` : `/api/chat/read/${peerId}`;
  return api('PUT', path, { body: { lastMessageId } });
}

// Messages found for `q` (best match first): {meta, data: [Message + {conversation, snippet}]}.
// conversation: 'public', 'private:<userId>' or 'group:<groupId>' (all of them when absent);
// before: only messages older than that id.
export function searchMessages({ q, conversation, before, page = 1, limit }, signal) {
  const params = { q, page: String(page) };
  if (conversation) params.conversation = conversation;
  if (before != null) params.before = String(before);
  if (limit != null) params.limit = String(limit);
  return api('GET', `/api/chat/search?${new URLSearchParams(params)}`, { signal });
}

// ---------- a message of ours ----------
// → the Message with its new text and editedAt.
export const editMessage = (id, message) => api('PATCH', `/api/chat/messages/${id}`, { body: { message } });
export const deleteMessage = (id) => api('DELETE', `/api/chat/messages/${id}`);
// Puts (on) or takes back our reaction. → {id, emoji, on, reactions}.
export const react = (id, emoji, on) => api(on ? 'PUT' : 'DELETE', `/api/chat/messages/${id}/reactions/${encodeURIComponent(emoji)}`);

// ---------- groups ----------
export const createGroup = (name, memberIds) => api('POST', '/api/groups', { body: { name, memberIds } });
export const group = (id) => api('GET', `/api/groups/${id}`);
export const updateGroup = (id, changes) => api('PATCH', `/api/groups/${id}`, { body: changes });
export const addMembers = (id, memberIds) => api('POST', `/api/groups/${id}/members`, { body: { memberIds } });
// Removing oneself is leaving.
export const removeMember = (id, userId) => api('DELETE', `/api/groups/${id}/members/${userId}`);

// → the stored image's URL. to: {recipientId} (private), {groupId} or nothing (the public room),
// and replyTo: the id of the message it answers, if any. clientMsgId: the same for every attempt
// at this message, so that a retry after a lost answer is stored once.
export async function sendImage(file, { recipientId, groupId, replyTo } = {}, clientMsgId) {
  const form = new FormData();
  form.append('file', file, file.name || 'image');
  if (recipientId != null) form.append('recipientId', String(recipientId));
  if (groupId != null) form.append('groupId', String(groupId));
  if (replyTo != null) form.append('replyTo', String(replyTo));
  if (clientMsgId) form.append('clientMsgId', clientMsgId);
  const res = await api('POST', '/api/chat/send-image', { form });
  return typeof res?.data === 'string' ? res.data : res?.data?.url;
}
