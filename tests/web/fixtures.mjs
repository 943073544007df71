// Builders for the store tests: a store signed in as alice (id 1), server rows and events.
import { ChatStore } from '../../web/app/chat/store.js';

export const ME = { id: 1, username: 'alice' };
export const BOB = { id: 2, username: 'bob' };
export const CAROL = { id: 3, username: 'carol' };

// → {store, unknown}: unknown lists the peers the store asked to look up.
export function signedIn() {
  const unknown = [];
  let clock = Date.parse('2024-05-01T10:00:00.000Z');
  const store = new ChatStore({
    onUnknownPeer: (id) => unknown.push(id),
    now: () => new Date((clock += 1000)).toISOString(),
  });
  store.reset(ME);
  return { store, unknown };
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

// A public_message / private_message event.
export function event(id, { from = BOB, text = `message ${id}`, to } = {}) {
  return { id, senderId: from.id, username: from.username, recipientId: to?.id, message: text };
}

// A conversation whose newest page (given newest first, as the server sends it) is loaded.
export function loaded(store, id, rows = [], pageSize = 30) {
  const c = store.conversation(id);
  store.applyOlderPage(c, rows.map((r) => store.fromHistory(r)), pageSize);
  return c;
}

export const ids = (c) => c.items.map((m) => m.id);
export const texts = (c) => c.items.map((m) => m.text);
