// Whose presence the web client follows: the people on screen, most important first, within the
// server's limit of 500 subscriptions per socket; and what the store makes of the answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PresenceWatch, MAX_PRESENCE_SUBSCRIPTIONS } from '../../web/app/chat/presence-watch.js';
import { BOB, CAROL, signedIn } from './fixtures.mjs';

test('subscribes to what is newly wanted and drops what is no longer, each once', () => {
  const w = new PresenceWatch();
  assert.deepEqual(w.update([3, null, 1, 3, 2]), { add: [3, 1, 2], drop: [] });
  assert.deepEqual(w.update([1, 2, 3]), { add: [], drop: [] }, 'the same people in another order');
  assert.deepEqual(w.update([2, 4]), { add: [4], drop: [1, 3] });
  assert.deepEqual([...w.subscribed], [2, 4]);
});

test('a new connection subscribes to everything again', () => {
  const w = new PresenceWatch();
  w.update([1, 2]);
  w.reset();
  assert.deepEqual(w.update([1, 2]), { add: [1, 2], drop: [] });
});

test('never more than the limit: the first ones win, and a more important one pushes the last out', () => {
  assert.equal(MAX_PRESENCE_SUBSCRIPTIONS, 500);
  const w = new PresenceWatch(3);
  assert.deepEqual(w.update([1, 2, 3, 4, 5]), { add: [1, 2, 3], drop: [] });
  assert.deepEqual(w.update([9, 1, 2, 3, 4]), { add: [9], drop: [3] });
  assert.equal(w.subscribed.size, 3);
});

test('the store: an answer makes the subscribed known, online or not; unsubscribing forgets them', () => {
  const { store } = signedIn();
  assert.equal(store.people.isOnline(BOB.id), undefined, 'unknown before any answer');
  store.people.applySubscription([BOB.id, CAROL.id], [CAROL.id]);
  assert.equal(store.people.isOnline(BOB.id), false);
  assert.equal(store.people.isOnline(CAROL.id), true);
  assert.equal(store.people.isOnline(424242), undefined, 'nobody else becomes known');
  store.people.forgetPresence([CAROL.id]);
  assert.equal(store.people.isOnline(CAROL.id), undefined);
  assert.equal(store.people.isOnline(BOB.id), false);
});
