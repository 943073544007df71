// Reactions on messages, over the store: each message carries the aggregate [{emoji, count,
// mine}] the server keeps (in history rows, replayed messages, the `reactions` event after a
// recovery, and the answer to our own react), which `reaction {id, emoji, userId, on}` events
// then change one at a time. Pure: no DOM, no socket (tests/web/store-reactions.test.mjs).

// The picker's choice; a message may carry any other emoji or short name (:thumbsup:) too.
export const QUICK_EMOJI = ['👍', '❤️', '😂', '😮', '😢', '🎉', '👀', '🙏'];

// The server's aggregate, as the client keeps it: well-formed entries only, in its order.
export function readReactions(list) {
  if (!Array.isArray(list)) return [];
  return list
    .filter((r) => typeof r?.emoji === 'string' && r.emoji !== '' && Number.isInteger(r.count) && r.count > 0)
    .map((r) => ({ emoji: r.emoji, count: r.count, mine: r.mine === true }));
}

// One person's reaction put (on) or taken back. mine: the person is us. → the new aggregate, or
// null when it changes nothing: our own reaction is known from the answer to our react, which
// may come before or after its event, so it counts once whichever comes first.
export function withReaction(reactions, { emoji, on, mine }) {
  const i = reactions.findIndex((r) => r.emoji === emoji);
  const r = reactions[i];
  if (on) {
    if (!r) return [...reactions, { emoji, count: 1, mine }];
    if (mine && r.mine) return null;
    return reactions.map((x, j) => (j === i ? { emoji, count: r.count + 1, mine: r.mine || mine } : x));
  }
  if (!r || (mine && !r.mine)) return null;
  if (r.count === 1) return reactions.filter((_, j) => j !== i);
  return reactions.map((x, j) => (j === i ? { emoji, count: r.count - 1, mine: r.mine && !mine } : x));
}

const sameReactions = (a, b) =>
  a.length === b.length && a.every((r, i) => r.emoji === b[i].emoji && r.count === b[i].count && r.mine === b[i].mine);

// `reaction {id, emoji, userId, on}`. → the conversation it changed, or null (a message we do
// not have, a tombstone, or nothing new).
export function applyReaction(store, { id, emoji, userId, on } = {}) {
  if (typeof emoji !== 'string' || typeof on !== 'boolean') return null;
  const found = store.findMessage(id);
  if (!found || found.m.deleted) return null;
  const next = withReaction(found.m.reactions, { emoji, on, mine: userId === store.me.id });
  if (!next) return null;
  found.m.reactions = next;
  return found.c;
}

// A whole aggregate: `reactions {id, reactions}` after a recovery, or the answer to our react.
// → the conversation it changed, or null.
export function setReactions(store, { id, reactions } = {}) {
  const found = store.findMessage(id);
  if (!found || found.m.deleted || !Array.isArray(reactions)) return null;
  const next = readReactions(reactions);
  if (sameReactions(found.m.reactions, next)) return null;
  found.m.reactions = next;
  return found.c;
}

// How a chip describes itself to a screen reader and on hover.
export function reactionTitle({ emoji, count, mine }) {
  if (!mine) return `${count} ${count === 1 ? 'person' : 'people'} reacted with ${emoji}`;
  if (count === 1) return `You reacted with ${emoji} (click to take it back)`;
  const others = count - 1;
  return `You and ${others} ${others === 1 ? 'other' : 'others'} reacted with ${emoji} (click to take yours back)`;
}
