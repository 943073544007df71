// The REST calls of the chat screen, by what they are for. Paths are built here only.
import { api } from '../api.js';

export const PAGE = 30; // messages per history page

function historyPath(c, params) {
  const base = c.peerId == null ? '/api/chat/public' : `/api/chat/private/${c.peerId}`;
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

export function markRead(peerId, lastMessageId) {
  return api('PUT', `/api/chat/read/${peerId}`, { body: { lastMessageId } });
}

// → the stored image's URL. clientMsgId: the same for every attempt at this message, so that a
// retry after a lost answer is stored once.
export async function sendImage(file, recipientId, clientMsgId) {
  const form = new FormData();
  form.append('file', file, file.name || 'image');
  if (recipientId != null) form.append('recipientId', String(recipientId));
  if (clientMsgId) form.append('clientMsgId', clientMsgId);
  const res = await api('POST', '/api/chat/send-image', { form });
  return typeof res?.data === 'string' ? res.data : res?.data?.url;
}
