// The chat store's people: names, profiles, presence and read receipts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { directId } from '../../web/app/chat/ids.js';
import { ME, BOB, CAROL, signedIn, event, loaded } from './fixtures.mjs';

test('a chat with someone unknown asks for their profile once, and shows a placeholder meanwhile', () => {
  const { store, unknown } = signedIn();
  const c = store.conversation(directId(7));
  store.conversation(directId(7));
  assert.deepEqual(unknown, [7]);
  assert.equal(c.peer.username, 'user 7');
  store.people.learn({ id: 7, username: 'grace', profile: { full_name: 'Grace H', profile_image: '/uploads/g.png' } });
  assert.equal(c.peer.username, 'grace');
  assert.equal(c.peer.profile_image, '/uploads/g.png');
  assert.equal(store.people.person(7).profile.full_name, 'Grace H');
  store.people.remember(BOB);
  store.conversation(directId(BOB.id));
  assert.deepEqual(unknown, [7], 'people already known are not looked up');
});

test('names: ours, from search results, from messages', () => {
  const { store } = signedIn();
  assert.equal(store.usernameOf(ME.id), 'alice');
  store.people.remember({ id: CAROL.id, username: 'carol', profile: { profile_image: '/uploads/c.png' } });
  assert.equal(store.people.users.get(CAROL.id).profile_image, '/uploads/c.png');
  const bob = store.conversation(directId(BOB.id));
  store.people.rememberName(BOB.id, 'bobby');
  assert.equal(bob.peer.username, 'bobby');
  assert.equal(store.usernameOf(BOB.id), 'bobby');
  const m = store.fromEvent({ id: 3, sender: CAROL.id, message: 'hi' }, 'text');
  assert.equal(m.senderId, CAROL.id, 'older servers name the sender "sender"');
  assert.equal(m.username, 'carol', 'a message without a name takes the one we know');
});

test('presence: unknown until the server says, then online and offline per person', () => {
  const { store } = signedIn();
  assert.equal(store.people.isOnline(BOB.id), undefined);
  store.people.applySubscription([BOB.id, CAROL.id], [BOB.id]);
  assert.equal(store.people.isOnline(BOB.id), true);
  assert.equal(store.people.isOnline(CAROL.id), false);
  store.people.setPresence(CAROL.id, true);
  store.people.setPresence(BOB.id, false);
  assert.equal(store.people.isOnline(BOB.id), false);
  assert.equal(store.people.isOnline(CAROL.id), true);
});

test('presence from a live event alone makes that person known', () => {
  const { store } = signedIn();
  store.people.setPresence(BOB.id, true);
  assert.equal(store.people.isOnline(BOB.id), true);
  assert.equal(store.people.isOnline(CAROL.id), undefined);
});

test('read receipts only move forward, and survive as saved entries', () => {
  const { store } = signedIn();
  assert.equal(store.people.noteRead(BOB.id, 10), true);
  assert.equal(store.people.noteRead(BOB.id, 8), false);
  assert.equal(store.people.noteRead(BOB.id, 10), false);
  assert.equal(store.people.noteRead(undefined, 3), false);
  assert.equal(store.people.readUpTo(BOB.id), 10);
  const saved = JSON.parse(JSON.stringify([...store.people.readMarks]));
  const { store: reloaded } = signedIn();
  reloaded.people.restoreReadMarks([...saved, 'junk', [1]]);
  assert.equal(reloaded.people.readUpTo(BOB.id), 10);
  assert.equal(reloaded.people.readMarks.size, 1);
  reloaded.people.restoreReadMarks({ not: 'a list' });
  assert.equal(reloaded.people.readUpTo(BOB.id), 10, 'a damaged entry leaves the marks alone');
});

test('reset forgets the previous session', () => {
  const { store } = signedIn();
  loaded(store, directId(BOB.id));
  store.people.setPresence(BOB.id, true);
  store.receive(store.conversation(directId(BOB.id)), store.fromEvent(event(1, { from: BOB, to: ME }), 'text'), { matchOwn: false, viewing: false });
  store.reset(CAROL);
  assert.equal(store.conversations.size, 0);
  assert.equal(store.people.isOnline(BOB.id), undefined);
  assert.equal(store.totalUnread(), 0);
  assert.equal(store.me, CAROL);
});
