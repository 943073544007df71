// Conversation ids: one string names every message list, so the store, the URL of its history,
// the sidebar and the tab's saved state all key by the same thing. 'public' is the room everyone
// is in; 'u:<userId>' is the private chat with that person; 'g:<groupId>' is a group. A new kind
// of conversation gets its own prefix here.

export const PUBLIC = 'public';

export const directId = (userId) => `u:${userId}`;
export const groupConversationId = (groupId) => `g:${groupId}`;

// → { kind: 'public' } | { kind: 'direct', peerId } | { kind: 'group', groupId } | null for
// anything else.
export function parseConversationId(id) {
  if (id === PUBLIC) return { kind: 'public' };
  const match = /^([ug]):([1-9]\d*)$/.exec(typeof id === 'string' ? id : '');
  if (!match) return null;
  return match[1] === 'u' ? { kind: 'direct', peerId: Number(match[2]) } : { kind: 'group', groupId: Number(match[2]) };
}
