// The chat store's message lists: order, duplicates, pending sends and their acks, catch-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PUBLIC, directId } from '../../web/app/chat/ids.js';
import { ME, BOB, signedIn, row, event, loaded, ids, texts } from './fixtures.mjs';

test('history pages and live messages keep id order, whatever order they arrive in', () => {
  const { store } = signedIn();
  const c = loaded(store, PUBLIC, [row(40), row(39), row(38)]);
  store.receive(c, store.fromEvent(event(42), 'text'), { matchOwn: true, viewing: true });
  store.receive(c, store.fromEvent(event(41), 'text'), { matchOwn: true, viewing: true });
  store.applyOlderPage(c, [row(37), row(36)].map((r) => store.fromHistory(r)), 30);
  assert.deepEqual(ids(c), [36, 37, 38, 39, 40, 41, 42]);
  assert.equal(c.last.id, 42, 'the preview is the newest message, not the last to arrive');
});

test('a message that arrives twice is kept once', () => {
  const { store } = signedIn();
  const c = loaded(store, PUBLIC, [row(5), row(4)]);
  const again = store.receive(c, store.fromEvent(event(5), 'text'), { matchOwn: true, viewing: false });
  assert.deepEqual(again, { duplicate: true });
  store.applyOlderPage(c, [row(5), row(4), row(3)].map((r) => store.fromHistory(r)), 30);
  assert.deepEqual(ids(c), [3, 4, 5]);
  assert.equal(c.unreadCount, 0, 'a duplicate does not count as unread');
});

test('live messages are only kept once the history is (being) loaded', () => {
  const { store } = signedIn();
  const c = store.conversation(PUBLIC);
  const result = store.receive(c, store.fromEvent(event(9), 'text'), { matchOwn: true, viewing: false });
  assert.equal(result.added, false);
  assert.deepEqual(ids(c), [], 'the first page will bring it');
  assert.equal(c.last.id, 9, 'the sidebar preview still shows it');
  store.setLoading(c, true);
  store.receive(c, store.fromEvent(event(10), 'text'), { matchOwn: true, viewing: false });
  assert.deepEqual(ids(c), [10]);
});

test('pending sends stay after stored messages, in the order they were written', () => {
  const { store } = signedIn();
  const c = loaded(store, PUBLIC, [row(7)]);
  const first = store.addPending(c, { type: 'text', text: 'one' });
  const second = store.addPending(c, { type: 'text', text: 'two' });
  store.receive(c, store.fromEvent(event(8), 'text'), { matchOwn: true, viewing: true });
  assert.deepEqual(texts(c), ['message 7', 'message 8', 'one', 'two']);
  assert.equal(first.status, 'pending');
  assert.equal(first.senderId, ME.id);
  assert.notEqual(first.key, second.key, 'each pending send has its own element key');
});

test('an ack gives the pending send its id and moves it into place', () => {
  const { store } = signedIn();
  const c = loaded(store, PUBLIC, [row(7)]);
  const m = store.addPending(c, { type: 'text', text: 'hello' });
  store.receive(c, store.fromEvent(event(9), 'text'), { matchOwn: true, viewing: true });
  assert.equal(store.confirm(c, m, 8, '2024-05-01T09:00:08.000Z'), 'confirmed');
  assert.deepEqual(ids(c), [7, 8, 9]);
  assert.equal(m.status, 'sent');
  assert.equal(m.createdAt, '2024-05-01T09:00:08.000Z', 'the server time replaces ours');
  assert.equal(store.confirm(c, m, 8), null, 'a second ack changes nothing');
  assert.equal(c.last.id, 9);
});

test('our own broadcast confirms the pending send it matches (public room)', () => {
  const { store } = signedIn();
  const c = loaded(store, PUBLIC, []);
  const other = store.addPending(c, { type: 'text', text: 'other text' });
  const m = store.addPending(c, { type: 'text', text: 'same text' });
  const result = store.receive(c, store.fromEvent(event(12, { from: ME, text: 'same text' }), 'text'), { matchOwn: true, viewing: false });
  assert.equal(result.confirmed, m);
  assert.equal(m.id, 12);
  assert.equal(other.id, null);
  assert.equal(c.items.length, 2);
  assert.equal(c.unreadCount, 0, 'our own messages are never unread');
});

test('an ack for an id already shown drops the pending copy', () => {
  const { store } = signedIn();
  const c = loaded(store, directId(BOB.id), []);
  const m = store.addPending(c, { type: 'text', text: 'hi bob' });
  store.queue(m);
  // Private broadcasts are not matched by content: our other tab's copy comes in on its own.
  store.receive(c, store.fromEvent(event(20, { from: ME, to: BOB, text: 'hi bob' }), 'text'), { matchOwn: false, viewing: true });
  assert.equal(c.items.length, 2);
  assert.equal(store.confirm(c, m, 20), 'replaced');
  assert.deepEqual(ids(c), [20]);
  assert.deepEqual(store.outbox, [], 'a dropped send leaves the outbox too');
});

test('a refused or timed-out send is marked failed, and a retry makes it pending again', () => {
  const { store } = signedIn();
  const c = loaded(store, PUBLIC, []);
  const m = store.addPending(c, { type: 'text', text: 'x'.repeat(4001) });
  store.fail(m, 'message must be at most 4000 characters');
  assert.equal(m.status, 'failed');
  assert.equal(m.error, 'message must be at most 4000 characters');
  store.markSending(m);
  assert.equal(m.status, 'pending');
  assert.equal(m.error, null);
  store.fail(m, 'The server did not answer.');
  store.remove(c, m);
  assert.deepEqual(c.items, [], 'discarded');
});

test('the outbox keeps each waiting send once, oldest first, and is emptied when taken', () => {
  const { store } = signedIn();
  const c = loaded(store, PUBLIC, []);
  const a = store.addPending(c, { type: 'text', text: 'a' });
  const b = store.addPending(c, { type: 'text', text: 'b' });
  store.queue(a);
  store.queue(b);
  store.queue(a);
  assert.deepEqual(store.takeQueue(), [a, b]);
  assert.deepEqual(store.outbox, []);
});

test('an uploaded image waits for image_sent for its id, or merges with it if that came first', () => {
  const { store } = signedIn();
  const c = loaded(store, PUBLIC, []);
  const url = 'http://chat.example/uploads/a.png';
  const early = store.addPending(c, { type: 'image', url: null, localUrl: 'blob:http://chat.example/1' });
  assert.equal(store.imageStored(c, early, url), 'stored');
  assert.equal(early.status, 'sent');
  assert.equal(early.id, null);
  const broadcast = store.fromEvent({ id: 30, senderId: ME.id, message: url }, 'image');
  assert.equal(store.receive(c, broadcast, { matchOwn: true, viewing: true }).confirmed, early);
  assert.equal(early.id, 30);

  const late = store.addPending(c, { type: 'image', url: null, localUrl: 'blob:http://chat.example/2' });
  const url2 = 'http://chat.example/uploads/b.png';
  store.receive(c, store.fromEvent({ id: 31, senderId: ME.id, message: url2 }, 'image'), { matchOwn: true, viewing: true });
  assert.equal(c.items.length, 3, 'the broadcast came before the upload response: two copies for now');
  assert.equal(store.imageStored(c, late, url2), 'merged');
  assert.deepEqual(ids(c), [30, 31]);
  assert.equal(c.byId.get(31).localUrl, 'blob:http://chat.example/2', 'the kept copy shows our local preview');
});

test('catch-up adds what was missed and recognises our send whose ack was lost', () => {
  const { store } = signedIn();
  const c = loaded(store, PUBLIC, [row(3), row(2)]);
  const lost = store.addPending(c, { type: 'text', text: 'sent before the cut' });
  const waiting = store.addPending(c, { type: 'text', text: 'written offline' });
  store.queue(lost);
  store.queue(waiting);
  const batch = [row(5, { from: ME, text: 'sent before the cut' }), row(4), row(3)].map((r) => store.fromHistory(r));
  store.applyCatchUp(c, batch, { pageSize: 30, viewing: false });
  assert.deepEqual(ids(c), [2, 3, 4, 5, null]);
  assert.equal(lost.id, 5);
  assert.deepEqual(store.outbox, [waiting], 'only the unsent one is still to deliver');
  assert.equal(c.unreadCount, 1, 'the room counts what others said meanwhile');
  assert.equal(c.last.id, 5);
});

test('catch-up with more than a page missed starts the list over, keeping unsent messages', () => {
  const { store } = signedIn();
  const c = loaded(store, PUBLIC, [row(2), row(1)]);
  const unsent = store.addPending(c, { type: 'text', text: 'still mine' });
  const batch = [row(104), row(103), row(102)].map((r) => store.fromHistory(r));
  store.applyCatchUp(c, batch, { pageSize: 3, viewing: true });
  assert.deepEqual(ids(c), [102, 103, 104, null]);
  assert.equal(c.items.at(-1), unsent);
  assert.equal(c.hasMore, true, 'the gap loads when scrolling up');
  assert.equal(c.byId.has(1), false);
});

test('the first page and the older ones: hasMore follows the page size', () => {
  const { store } = signedIn();
  const c = store.conversation(PUBLIC);
  assert.deepEqual(store.applyOlderPage(c, [row(9), row(8)].map((r) => store.fromHistory(r)), 2), { first: true });
  assert.equal(c.hasMore, true);
  assert.deepEqual(store.applyOlderPage(c, [row(7)].map((r) => store.fromHistory(r)), 2), { first: false });
  assert.equal(c.hasMore, false);
  assert.equal(c.loaded, true);
});
