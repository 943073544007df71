// The chat store's conversations: the sidebar's order, unread counts and marking as read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PUBLIC, directId, groupConversationId, parseConversationId } from '../../web/app/chat/ids.js';
import { ME, BOB, CAROL, signedIn, row, event, loaded } from './fixtures.mjs';

const DAVE = { id: 4, username: 'dave' };
const order = (store) => store.directConversations().map((c) => c.id);

test('conversation ids: the public room, private chats and groups; anything else is refused', () => {
  assert.deepEqual(parseConversationId(PUBLIC), { kind: 'public' });
  assert.deepEqual(parseConversationId(directId(12)), { kind: 'direct', peerId: 12 });
  assert.deepEqual(parseConversationId(groupConversationId(7)), { kind: 'group', groupId: 7 });
  for (const bad of ['u:', 'u:1x', 'g:', 'g:0', 'u:012', 'x:1', '', null, 'public ']) assert.equal(parseConversationId(bad), null, String(bad));
  const { store } = signedIn();
  assert.throws(() => store.conversation('u:abc'), /not a conversation id/);
  assert.equal(store.conversation(directId(BOB.id)).peerId, BOB.id);
});

test('private chats: new ones without messages first, then the latest message first', () => {
  const { store } = signedIn();
  const bob = store.conversation(directId(BOB.id));
  const carol = store.conversation(directId(CAROL.id));
  const dave = store.conversation(directId(DAVE.id));
  assert.deepEqual(order(store), ['u:2', 'u:3', 'u:4'], 'no messages yet: in the order they were opened');
  store.receive(bob, store.fromEvent(event(10, { from: BOB, to: ME }), 'text'), { matchOwn: false, viewing: false });
  store.receive(carol, store.fromEvent(event(11, { from: CAROL, to: ME }), 'text'), { matchOwn: false, viewing: false });
  assert.deepEqual(order(store), ['u:4', 'u:3', 'u:2']);
  store.receive(bob, store.fromEvent(event(12, { from: BOB, to: ME }), 'text'), { matchOwn: false, viewing: false });
  assert.deepEqual(order(store), ['u:4', 'u:2', 'u:3']);
  assert.equal(dave.last, null);
  assert.ok(!order(store).includes(PUBLIC), 'the public room is not among them');
});

test('the server conversation list sets previews and unread counts; chats opened here stay', () => {
  const { store, unknown } = signedIn();
  const EVE = { id: 5, username: 'eve' };
  store.conversation(directId(EVE.id));
  store.applyConversations([
    { peer: BOB, lastMessage: row(30, { from: BOB, to: ME }), unreadCount: 2 },
    { peer: CAROL, lastMessage: row(31, { from: ME, to: CAROL }), unreadCount: 0 },
    { peer: DAVE, lastMessage: null },
  ]);
  // Without messages: the server's first, then ours; then the latest message first.
  assert.deepEqual(order(store), ['u:4', 'u:5', 'u:3', 'u:2']);
  const bob = store.conversation(directId(BOB.id));
  assert.equal(bob.unreadCount, 2);
  assert.equal(bob.last.id, 30);
  assert.equal(bob.peer.username, 'bob');
  assert.equal(store.totalUnread(), 2);
  assert.equal(store.conversation(directId(DAVE.id)).unreadCount, 0);
  assert.deepEqual(unknown, [EVE.id], 'people the list names are not looked up again');
});

test('unread: messages from others count while the chat is not in view', () => {
  const { store } = signedIn();
  const room = loaded(store, PUBLIC);
  store.receive(room, store.fromEvent(event(1), 'text'), { matchOwn: true, viewing: false });
  store.receive(room, store.fromEvent(event(2), 'text'), { matchOwn: true, viewing: true });
  store.receive(room, store.fromEvent(event(3, { from: ME }), 'text'), { matchOwn: true, viewing: false });
  assert.equal(room.unreadCount, 1);
  const bob = store.conversation(directId(BOB.id));
  const result = store.receive(bob, store.fromEvent(event(4, { from: BOB, to: ME }), 'text'), { matchOwn: false, viewing: false });
  assert.equal(result.counted, true);
  assert.equal(store.totalUnread(), 2);
  assert.equal(store.clearUnread(room), true);
  assert.equal(store.clearUnread(room), false, 'nothing left to clear');
  assert.equal(store.totalUnread(), 1);
});

test('mark-read reports the newest message from the other person once, and clears the badge', () => {
  const { store } = signedIn();
  const bob = store.conversation(directId(BOB.id));
  store.receive(bob, store.fromEvent(event(5, { from: BOB, to: ME }), 'text'), { matchOwn: false, viewing: false });
  assert.equal(store.markRead(bob), null, 'nothing to report before the history is loaded');
  store.applyOlderPage(bob, [row(6, { from: ME, to: BOB }), row(5, { from: BOB, to: ME })].map((r) => store.fromHistory(r)), 30);
  assert.deepEqual(store.markRead(bob), { peerId: BOB.id, lastMessageId: 5, clearedUnread: true });
  assert.equal(bob.unreadCount, 0);
  assert.equal(store.markRead(bob), null, 'already reported');
  store.receive(bob, store.fromEvent(event(7, { from: BOB, to: ME }), 'text'), { matchOwn: false, viewing: true });
  assert.deepEqual(store.markRead(bob), { peerId: BOB.id, lastMessageId: 7, clearedUnread: false });
  assert.equal(store.markRead(loaded(store, PUBLIC, [row(1)])), null, 'the public room has no read receipts');
});

test('catch-up counts missed public messages as unread, but not private ones (the server does)', () => {
  const { store } = signedIn();
  const room = loaded(store, PUBLIC, [row(1)]);
  const bob = loaded(store, directId(BOB.id), [row(2, { from: BOB, to: ME })]);
  store.applyCatchUp(room, [row(4), row(3, { from: ME })].map((r) => store.fromHistory(r)), { pageSize: 30, viewing: false });
  store.applyCatchUp(bob, [row(5, { from: BOB, to: ME })].map((r) => store.fromHistory(r)), { pageSize: 30, viewing: false });
  assert.equal(room.unreadCount, 1);
  assert.equal(bob.unreadCount, 0);
  assert.equal(bob.last.id, 5);
});

test('opening a conversation says whether it changed', () => {
  const { store } = signedIn();
  assert.equal(store.current, PUBLIC);
  assert.equal(store.open(PUBLIC), false);
  assert.equal(store.open(directId(BOB.id)), true);
  assert.equal(store.currentConversation.peerId, BOB.id);
});
