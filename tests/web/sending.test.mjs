// Our sends and their retries (web/app/chat/sending.js over the store): every message carries
// one clientMsgId for all its attempts, a send whose connection went before the ack waits in the
// outbox and goes again once connected, with the same key, and the first ack settles it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSending } from '../../web/app/chat/sending.js';
import { PUBLIC, directId } from '../../web/app/chat/ids.js';
import { BOB, signedIn, loaded, row, ids } from './fixtures.mjs';

// A connection whose acks the test answers by hand: sent[i] = {event, payload, done}.
function fakeConnection() {
  return {
    connected: true,
    sent: [],
    send(event, payload, done) {
      this.sent.push({ event, payload, done });
    },
  };
}

function setUp() {
  const { store } = signedIn();
  const conn = fakeConnection();
  const render = { ifCurrent() {}, chatList() {}, messages() {} };
  const sending = createSending({ store, connection: () => conn, render, toast() {} });
  return { store, conn, sending };
}

test('each message has its own clientMsgId, sent with it', () => {
  const { store, conn, sending } = setUp();
  loaded(store, PUBLIC, [row(1)]);
  sending.text('one');
  sending.text('two');
  const keys = conn.sent.map((s) => s.payload.clientMsgId);
  assert.equal(conn.sent[0].event, 'public_message');
  assert.deepEqual(conn.sent.map((s) => s.payload.message), ['one', 'two']);
  assert.ok(keys.every((k) => typeof k === 'string' && k.length >= 16 && k.length <= 64), JSON.stringify(keys));
  assert.notEqual(keys[0], keys[1]);
});

test('connection lost before the ack: queued, sent again after the reconnect with the same key, settled by its ack', () => {
  const { store, conn, sending } = setUp();
  const c = loaded(store, directId(BOB.id), [row(1, { to: BOB })]);
  store.open(c.id);
  sending.text('are you there?');
  const first = conn.sent[0];
  assert.equal(first.event, 'private_message');
  assert.equal(first.payload.recipientId, BOB.id);
  const m = c.items.find((x) => x.text === 'are you there?');

  conn.connected = false;
  first.done({ ok: false, disconnected: true });
  assert.equal(m.status, 'pending', 'not shown as failed: it goes again by itself');
  assert.deepEqual(store.outbox, [m]);
  sending.text('and this one');  // written while disconnected: waits too
  assert.equal(conn.sent.length, 1, 'nothing is sent while disconnected');

  conn.connected = true;
  sending.flush();
  assert.deepEqual(conn.sent.slice(1).map((s) => s.payload.message), ['are you there?', 'and this one'], 'oldest first');
  assert.equal(conn.sent[1].payload.clientMsgId, first.payload.clientMsgId, 'the same key: stored once');
  assert.deepEqual(store.outbox, []);
  // The server had stored the first attempt: the resend is answered with the first ack.
  conn.sent[1].done({ ok: true, id: 5, createdAt: '2024-05-01T09:00:05.000Z' });
  conn.sent[2].done({ ok: true, id: 6, createdAt: '2024-05-01T09:00:06.000Z' });
  assert.deepEqual(ids(c), [1, 5, 6]);
  assert.equal(m.status, 'sent');
});

test('an ack that never comes while connected: failed, and Retry sends the same key again', () => {
  const { store, conn, sending } = setUp();
  const c = loaded(store, PUBLIC, []);
  sending.text('slow');
  const m = c.items[0];
  conn.sent[0].done({ ok: false, timedOut: true });
  assert.equal(m.status, 'failed');
  assert.deepEqual(store.outbox, [], 'not retried by itself: the user decides');
  sending.retry(m);
  assert.equal(m.status, 'pending');
  assert.equal(conn.sent[1].payload.clientMsgId, conn.sent[0].payload.clientMsgId);
  conn.sent[1].done({ ok: true, id: 3 });
  assert.deepEqual(ids(c), [3]);
});

test('a refusal is shown on the message and not retried', () => {
  const { store, conn, sending } = setUp();
  const c = loaded(store, PUBLIC, []);
  sending.text('x');
  conn.sent[0].done({ ok: false, message: 'rate limit exceeded: too many messages, slow down' });
  assert.equal(c.items[0].status, 'failed');
  assert.equal(c.items[0].error, 'rate limit exceeded: too many messages, slow down');
  assert.deepEqual(store.outbox, []);
});

test('a flushed message that was confirmed meanwhile (its broadcast came first) is not sent again', () => {
  const { store, conn, sending } = setUp();
  const c = loaded(store, PUBLIC, []);
  conn.connected = false;
  sending.text('hello');
  const m = c.items[0];
  store.confirm(c, m, 9);
  conn.connected = true;
  sending.flush();
  assert.equal(conn.sent.length, 0);
});
