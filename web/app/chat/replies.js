// Replies, over the store: a message that answers another carries a quote of it, `replyTo`
// {id, deleted, senderId, username, type: 'text' | 'image', preview}. The server sends the quote
// as the original is now (its first 100 code points, or `{id, deleted: true}`); the client keeps
// its quotes in step with the edits and deletes it hears afterwards. Pure: no DOM, no socket
// (tests/web/store-replies.test.mjs).

export const PREVIEW_LENGTH = 100; // code points, as the server cuts its previews

const tombstone = (id) => ({ id, deleted: true, senderId: null, username: null, type: null, preview: '' });
const cut = (text) => [...String(text ?? '')].slice(0, PREVIEW_LENGTH).join('');

// The server's replyTo (events, history rows, replays) → the client's quote, or null for none.
// An image's preview is the server's "[image]": the client shows its own word for it.
export function readReplyTo(ref) {
  if (ref == null || typeof ref !== 'object' || ref.id == null) return null;
  if (ref.deleted === true) return tombstone(ref.id);
  const image = ref.type === 'image';
  return {
    id: ref.id,
    deleted: false,
    senderId: ref.senderId ?? null,
    username: typeof ref.username === 'string' ? ref.username : null,
    type: image ? 'image' : 'text',
    preview: image ? '' : cut(ref.preview),
  };
}

// The quote of a message we have: the one we answer (it shows on our pending reply at once).
export function quoteOf(m) {
  if (m.deleted) return tombstone(m.id);
  return {
    id: m.id,
    deleted: false,
    senderId: m.senderId,
    username: m.username,
    type: m.type,
    preview: m.type === 'image' ? '' : cut(m.text),
  };
}

// What a quote shows: "Message deleted", "Photo", or its text on one line.
export function quoteText(q) {
  if (q.deleted) return 'Message deleted';
  if (q.type === 'image') return 'Photo';
  return q.preview.replace(/\s+/g, ' ').trim();
}

// Every loaded message quoting message `id` gets change(quote) → the new quote, or null to
// leave it. The original need not be loaded itself. → a conversation whose messages changed, or
// null (a reply answers a message of its own conversation: at most one).
function changeQuotes(store, id, change) {
  let changed = null;
  for (const c of store.conversations.values()) {
    for (const m of c.items) {
      if (m.replyTo?.id !== id) continue;
      const next = change(m.replyTo);
      if (!next) continue;
      m.replyTo = next;
      changed = c;
    }
  }
  return changed;
}

// message_edited (or our own edit): the quotes of that message show its new text.
export function quotesEdited(store, { id, message }) {
  if (id == null || typeof message !== 'string') return null;
  const preview = cut(message);
  return changeQuotes(store, id, (q) => (q.deleted || q.type !== 'text' || q.preview === preview ? null : { ...q, preview }));
}

// message_deleted (or our own delete): the quotes of that message say it was deleted.
export function quotesDeleted(store, { id }) {
  if (id == null) return null;
  return changeQuotes(store, id, (q) => (q.deleted ? null : tombstone(id)));
}
