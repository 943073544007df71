// Rooms and broadcasts through the conformance hooks join(room) and broadcast(room, payload):
// every other member gets the packet exactly once, the sender and non-members never.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConformance, connect, request, sleep, toBuffers } from './helpers.mjs';

let server;
let clients = [];
before(async () => {
  server = await startConformance();
  // Mixed transports: a broadcast reaches polling and WebSocket members alike.
  const transports = [['websocket'], ['polling'], ['websocket'], ['polling'], ['websocket']];
  clients = await Promise.all(transports.map((t) => connect(server.url, { transports: t })));
  for (const c of clients) {
    c.received = [];
    c.on('broadcast', (...args) => c.received.push(toBuffers(args)));
  }
});
after(async () => {
  for (const c of clients) c.disconnect();
  await server.cleanup();
});

function reset() {
  for (const c of clients) c.received.length = 0;
}

test('a room broadcast reaches exactly the other members, once each', async () => {
  const [a, b, c, d, e] = clients;
  for (const member of [a, b, c]) assert.deepEqual(await request(member, 'join', 'room1'), []);
  await request(d, 'join', 'room2');
  reset();
  await request(a, 'broadcast', 'room1', { hello: 'room1' });
  await sleep(300);
  assert.deepEqual(a.received, []);
  assert.deepEqual(b.received, [[{ hello: 'room1' }]]);
  assert.deepEqual(c.received, [[{ hello: 'room1' }]]);
  assert.deepEqual(d.received, []);
  assert.deepEqual(e.received, []);
});

test('joining twice still delivers once; a non-member may broadcast into a room', async () => {
  const [a, b, c, d, e] = clients;
  await request(b, 'join', 'room1');
  reset();
  await request(e, 'broadcast', 'room1', 'from outside');
  await sleep(300);
  assert.deepEqual([a, b, c].map((x) => x.received), [[['from outside']], [['from outside']], [['from outside']]]);
  assert.deepEqual(d.received, []);
  assert.deepEqual(e.received, []);
});

test('a broadcast to the whole namespace skips only the sender', async () => {
  const [a, b, c, d, e] = clients;
  reset();
  await request(d, 'broadcast', null, [1, 2, 3]);
  await sleep(300);
  for (const x of [a, b, c, e]) assert.deepEqual(x.received, [[[1, 2, 3]]]);
  assert.deepEqual(d.received, []);
});

test('binary broadcasts reach polling and WebSocket members', async () => {
  const [a, b, c, d, e] = clients;
  reset();
  const payload = { img: Buffer.from([1, 2, 3, 250]), note: 'bin' };
  await request(c, 'broadcast', 'room1', payload);
  await sleep(300);
  assert.deepEqual(a.received, [[payload]]);
  assert.deepEqual(b.received, [[payload]]);
  assert.deepEqual(c.received, []);
  assert.deepEqual(d.received, []);
  assert.deepEqual(e.received, []);
});

test('many broadcasts arrive complete and in order', async () => {
  const [a, b, c] = clients;
  reset();
  for (let i = 0; i < 100; i++) a.emit('broadcast', 'room1', i);
  await request(a, 'echo');  // the server handled every broadcast before this ack
  await sleep(500);
  const expected = Array.from({ length: 100 }, (_, i) => [i]);
  assert.deepEqual(b.received, expected);
  assert.deepEqual(c.received, expected);
});

test('a member that leaves (disconnects) no longer receives', async () => {
  const [a, b, c] = clients;
  b.disconnect();
  await sleep(100);
  reset();
  await request(a, 'broadcast', 'room1', 'after leave');
  await sleep(300);
  assert.deepEqual(b.received, []);
  assert.deepEqual(c.received, [['after leave']]);
});

// A socket's own room (its id) is implicit in the adapter (not stored as a room): it must still
// reach that socket alone, on polling and WebSocket, and a room someone joins under another
// socket's id reaches both, once each. (b left in the test above.)
test('a broadcast to a socket id reaches that socket; a room named like an id reaches its joiners too', async () => {
  const [a, , c, d, e] = clients;
  reset();
  await request(a, 'broadcast', c.id, 'to c');
  await request(a, 'broadcast', d.id, 'to d');
  await sleep(300);
  assert.deepEqual(c.received, [['to c']]);
  assert.deepEqual(d.received, [['to d']]);
  for (const x of [a, e]) assert.deepEqual(x.received, []);

  await request(c, 'join', e.id);
  reset();
  await request(a, 'broadcast', e.id, 'to e');
  await sleep(300);
  assert.deepEqual(e.received, [['to e']]);
  assert.deepEqual(c.received, [['to e']]);
  for (const x of [a, d]) assert.deepEqual(x.received, []);

  // socket.to() excepts the sender's own room, as socket.io does: its joiners are in it too.
  reset();
  await request(e, 'broadcast', e.id, 'from e');
  await request(e, 'broadcast', 'room1', 'from e to room1');
  await sleep(300);
  assert.deepEqual(a.received, [['from e to room1']]);
  for (const x of [c, d, e]) assert.deepEqual(x.received, []);
});
