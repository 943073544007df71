// Builders for the store tests: a store signed in as alice (id 1), server rows and events.
import { ChatStore } from '../../web/app/chat/store.js';

export const ME = { id: 1, username: 'alice' };
export const BOB = { id: 2, username: 'bob' };
export const CAROL = { id: 3, username: 'carol' };

// → {store, unknown, unknownGroups}: the peers and groups the store asked to look up.
export function signedIn() {
  const unknown = [];
  const unknownGroups = [];
  let clock = Date.parse('2024-05-01T10:00:00.000Z');
  const store = new ChatStore({
    onUnknownPeer: (id) => unknown.push(id),
    onUnknownGroup: (id) => unknownGroups.push(id),
    now: () => new Date((clock += 1000)).toISOString(),
  });
  store.reset(ME);
  return { store, unknown, unknownGroups };
}

// A history row as GET /api/chat/public or /api/chat/private/:id returns it.
export function row(id, { from = BOB, text = `message ${id}`, to = null } = {}) {
  return {
    id,
    senderId: from.id,
    sender: { id: from.id, username: from.username },
    recipientId: to?.id ?? null,
    type: 'text',
    content: text,
    createdAt: new Date(Date.UTC(2024, 4, 1, 9, 0, id)).toISOString(),
  };
}

// A public_message / private_message / group_message event.
export function event(id, { from = BOB, text = `message ${id}`, to, groupId } = {}) {
  return { id, senderId: from.id, username: from.username, recipientId: to?.id, groupId, message: text };
}

// A group as the server describes it (GET /api/groups/:id, group_updated without members).
export function group(id, { name = `group ${id}`, topic = null, ownerId = ME.id, members, updatedAt = '2024-05-01T09:00:00.000Z' } = {}) {
  const g = { id, name, topic, ownerId, memberCount: members?.length ?? 2, createdAt: '2024-05-01T08:00:00.000Z', updatedAt };
  if (members) g.members = members.map(([user, role]) => ({ id: user.id, username: user.username, profile_image: null, role, joinedAt: g.createdAt }));
  return g;
}

// A conversation whose newest page (given newest first, as the server sends it) is loaded.
export function loaded(store, id, rows = [], pageSize = 30) {
  const c = store.conversation(id);
  store.applyOlderPage(c, rows.map((r) => store.fromHistory(r)), pageSize);
  return c;
}

export const ids = (c) => c.items.map((m) => m.id);
export const texts = (c) => c.items.map((m) => m.text);
