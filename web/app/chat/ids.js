// Conversation ids: one string names every message list, so the store, the URL of its history,
// the sidebar and the tab's saved state all key by the same thing. 'public' is the room everyone
// is in; 'u:<userId>' is the private chat with that person. A new kind of conversation gets its
// own prefix here.

export const PUBLIC = 'public';

export const directId = (userId) => `u:${userId}`;

// → { kind: 'public' } | { kind: 'direct', peerId } | null for anything else.
export function parseConversationId(id) {
  if (id === PUBLIC) return { kind: 'public' };
  const direct = /^u:(\d+)$/.exec(typeof id === 'string' ? id : '');
  return direct ? { kind: 'direct', peerId: Number(direct[1]) } : null;
}
