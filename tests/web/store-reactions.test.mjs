// Reactions in the chat store (web/app/chat/reactions.js): the aggregate from history rows and
// replayed messages, `reaction` events counted one by one (ours once, whether the answer to our
// react or its event comes first), the whole aggregate of a `reactions` event or an answer,
// tombstones without reactions, and catch-up refreshing what changed while away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PUBLIC, directId, groupConversationId } from '../../web/app/chat/ids.js';
import { applyReaction, setReactions, readReactions, withReaction, reactionTitle } from '../../web/app/chat/reactions.js';
import { ME, BOB, CAROL, signedIn, row, event, loaded } from './fixtures.mjs';

const reactionsOf = (store, id) => store.findMessage(id).m.reactions;

test('history rows and replayed messages carry the aggregate; bad entries are left out', () => {
  const { store } = signedIn();
  const m = store.fromHistory({ ...row(1), reactions: [{ emoji: '👍', count: 2, mine: true }, { emoji: ':party:', count: 1, mine: false }] });
  assert.deepEqual(m.reactions, [{ emoji: '👍', count: 2, mine: true }, { emoji: ':party:', count: 1, mine: false }]);
  assert.deepEqual(store.fromHistory(row(2)).reactions, [], 'none');
  assert.deepEqual(store.fromEvent(event(3), 'text').reactions, [], 'a live message has none');
  const replayed = store.fromEvent({ ...event(4), reactions: [{ emoji: '🎉', count: 1, mine: false }] }, 'text');
  assert.deepEqual(replayed.reactions, [{ emoji: '🎉', count: 1, mine: false }]);
  assert.deepEqual(readReactions([{ emoji: '', count: 1 }, { emoji: '👍', count: 0 }, { emoji: 7, count: 1 }, null, { emoji: '👀', count: 1.5 }, { emoji: '👀', count: 3 }]),
    [{ emoji: '👀', count: 3, mine: false }]);
  assert.deepEqual(readReactions('nope'), []);
  const tomb = store.fromHistory({ ...row(5), deleted: true, content: '', reactions: [{ emoji: '👍', count: 1, mine: false }] });
  assert.deepEqual(tomb.reactions, [], 'a tombstone shows none');
});

test('reaction events count up and down per emoji, in the order first used; mine follows our own', () => {
  const { store } = signedIn();
  const room = loaded(store, PUBLIC, [row(1)]);
  assert.equal(applyReaction(store, { id: 1, emoji: '👍', userId: BOB.id, on: true }), room);
  assert.equal(applyReaction(store, { id: 1, emoji: '❤️', userId: CAROL.id, on: true }), room);
  assert.equal(applyReaction(store, { id: 1, emoji: '👍', userId: ME.id, on: true }), room);
  assert.deepEqual(reactionsOf(store, 1), [{ emoji: '👍', count: 2, mine: true }, { emoji: '❤️', count: 1, mine: false }]);

  assert.equal(applyReaction(store, { id: 1, emoji: '👍', userId: BOB.id, on: false }), room);
  assert.deepEqual(reactionsOf(store, 1)[0], { emoji: '👍', count: 1, mine: true }, "bob's went, ours stays");
  assert.equal(applyReaction(store, { id: 1, emoji: '👍', userId: ME.id, on: false }), room);
  assert.deepEqual(reactionsOf(store, 1), [{ emoji: '❤️', count: 1, mine: false }], 'the last one takes the emoji away');
  assert.equal(applyReaction(store, { id: 1, emoji: '👍', userId: BOB.id, on: true }), room);
  assert.deepEqual(reactionsOf(store, 1).map((r) => r.emoji), ['❤️', '👍'], 'used again: last');
});

test('our own reaction counts once, whether the answer or the event comes first', () => {
  const { store } = signedIn();
  loaded(store, PUBLIC, [{ ...row(1), reactions: [{ emoji: '🎉', count: 1, mine: false }] }]);
  // The answer first, then the event.
  const answer = { id: 1, emoji: '🎉', on: true, reactions: [{ emoji: '🎉', count: 2, mine: true }] };
  assert.ok(setReactions(store, answer));
  assert.equal(applyReaction(store, { id: 1, emoji: '🎉', userId: ME.id, on: true }), null, 'already counted');
  assert.deepEqual(reactionsOf(store, 1), [{ emoji: '🎉', count: 2, mine: true }]);
  // The event first, then the answer: the same aggregate, nothing changes.
  assert.ok(applyReaction(store, { id: 1, emoji: '🎉', userId: ME.id, on: false }));
  assert.equal(setReactions(store, { id: 1, emoji: '🎉', on: false, reactions: [{ emoji: '🎉', count: 1, mine: false }] }), null);
  assert.equal(applyReaction(store, { id: 1, emoji: '🎉', userId: ME.id, on: false }), null, 'ours is not there to take back');
  assert.deepEqual(reactionsOf(store, 1), [{ emoji: '🎉', count: 1, mine: false }]);
});

test('private chats and groups alike; unknown messages, tombstones and bad events change nothing', () => {
  const { store } = signedIn();
  const bob = loaded(store, directId(BOB.id), [row(4, { to: ME })]);
  store.applyGroup({ id: 7, name: 'team', updatedAt: '2024-05-01T09:00:00.000Z' });
  const team = loaded(store, groupConversationId(7), [{ ...row(9), groupId: 7 }]);
  assert.equal(applyReaction(store, { id: 4, emoji: '👀', userId: BOB.id, on: true }), bob);
  assert.equal(applyReaction(store, { id: 9, emoji: '👀', userId: ME.id, on: true }), team);
  assert.equal(applyReaction(store, { id: 99, emoji: '👀', userId: BOB.id, on: true }), null, 'not loaded');
  assert.equal(applyReaction(store, { id: 4, emoji: '👀', userId: BOB.id }), null, 'no on');
  assert.equal(applyReaction(store, { id: 4, emoji: 5, userId: BOB.id, on: true }), null, 'no emoji');
  assert.equal(applyReaction(store, {}), null);
  assert.equal(setReactions(store, { id: 4, reactions: 'x' }), null);

  store.applyDelete({ id: 4 });
  assert.deepEqual(reactionsOf(store, 4), [], 'a deleted message loses its reactions');
  assert.equal(applyReaction(store, { id: 4, emoji: '👀', userId: BOB.id, on: true }), null);
  assert.equal(setReactions(store, { id: 4, reactions: [{ emoji: '👀', count: 1, mine: false }] }), null);
});

test('after a recovery, a `reactions` event replaces the aggregate ([] when the last went)', () => {
  const { store } = signedIn();
  const room = loaded(store, PUBLIC, [{ ...row(2), reactions: [{ emoji: '👍', count: 3, mine: true }] }]);
  assert.equal(setReactions(store, { id: 2, reactions: [{ emoji: '👍', count: 1, mine: false }, { emoji: '😂', count: 2, mine: true }] }), room);
  assert.deepEqual(reactionsOf(store, 2), [{ emoji: '👍', count: 1, mine: false }, { emoji: '😂', count: 2, mine: true }]);
  assert.equal(setReactions(store, { id: 2, reactions: [] }), room);
  assert.deepEqual(reactionsOf(store, 2), []);
  assert.equal(setReactions(store, { id: 2, reactions: [] }), null, 'nothing new');
});

test('a catch-up after a reconnect brings the reactions of messages we have', () => {
  const { store } = signedIn();
  const room = loaded(store, PUBLIC, [row(2), row(1)]);
  store.applyCatchUp(room, [{ ...row(3) }, { ...row(2), reactions: [{ emoji: '🙏', count: 1, mine: false }] }, row(1)], { pageSize: 30, viewing: true });
  assert.deepEqual(reactionsOf(store, 2), [{ emoji: '🙏', count: 1, mine: false }]);
  assert.deepEqual(room.items.map((m) => m.id), [1, 2, 3]);
});

test('withReaction is pure; chips describe themselves', () => {
  const before = [{ emoji: '👍', count: 1, mine: false }];
  const after = withReaction(before, { emoji: '👍', on: true, mine: true });
  assert.deepEqual(before, [{ emoji: '👍', count: 1, mine: false }], 'the old aggregate is not changed');
  assert.deepEqual(after, [{ emoji: '👍', count: 2, mine: true }]);
  assert.equal(withReaction(after, { emoji: '🎉', on: false, mine: false }), null);
  assert.equal(reactionTitle({ emoji: '👍', count: 1, mine: false }), '1 person reacted with 👍');
  assert.equal(reactionTitle({ emoji: '👍', count: 3, mine: false }), '3 people reacted with 👍');
  assert.match(reactionTitle({ emoji: '👍', count: 1, mine: true }), /^You reacted with 👍/);
  assert.match(reactionTitle({ emoji: '👍', count: 2, mine: true }), /^You and 1 other reacted with 👍/);
  assert.match(reactionTitle({ emoji: '👍', count: 4, mine: true }), /^You and 3 others reacted/);
});
