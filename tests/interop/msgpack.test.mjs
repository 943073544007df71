// SOCKETIO_PARSER=msgpack side by side with the Node server (tests/lib/reference-server.mjs with
// `parser: socket.io-msgpack-parser`): the npm client with that parser, on every transport,
// must observe the same from chatd (conformance mode) as from Node: CONNECT with auth, events and
// acks carrying binary (Buffers, a browser's ArrayBuffer), nested data, JavaScript-only values
// (undefined, Date, NaN), a server-side disconnect, and a default-parser client's failure (the server closes the connection of its text CONNECT).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import parser from 'socket.io-msgpack-parser';
import { io } from 'socket.io-client';
import { startConformance, connect, once, request, toBuffers } from './helpers.mjs';
import { startReference } from '../lib/reference-server.mjs';

let chatd;
let node;
before(async () => {
  chatd = await startConformance({ SOCKETIO_PARSER: 'msgpack' });
  node = await startReference({ parser });
});
after(async () => {
  await chatd.cleanup();
  await node.cleanup();
});

async function same(probe, expected) {
  const ours = await probe(chatd.url);
  const reference = await probe(node.url);
  assert.deepEqual(reference, expected, 'the reference behaves as this test says');
  assert.deepEqual(ours, reference, 'chatd behaves as the reference');
}

const date = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));

for (const [name, transports] of [
  ['polling, upgraded', ['polling', 'websocket']],
  ['WebSocket only', ['websocket']],
  ['polling only', ['polling']],
]) {
  test(`msgpack parser beside Node (${name}): auth, events, acks, binary`, async () => {
    await same(
      async (url) => {
        const socket = io(url, { forceNew: true, reconnection: false, parser, transports, auth: { token: 'abc', n: 1 } });
        const authed = once(socket, 'auth');
        try {
          const [auth] = await authed;
          const data = ['text', 42, -7, 1.5, 2 ** 40, true, null, { deep: [Buffer.from([1, 2]), { b: Buffer.alloc(300, 7) }] }];
          const acked = toBuffers(await request(socket, 'echo', ...data));
          socket.emit('echo', Buffer.from([9]), new Uint8Array([5, 6]).buffer);
          const echoed = toBuffers(await once(socket, 'echo'));
          // JavaScript values with no JSON form: what each server hands back.
          const [js] = await request(socket, 'echo', { u: undefined, a: [undefined, 1], d: date, nan: NaN });
          const big = Buffer.alloc(200_000, 0xab);
          const [bigBack] = toBuffers(await request(socket, 'echo', big));
          return { auth, acked, echoed, js: JSON.parse(JSON.stringify(js)), big: bigBack.equals(big) };
        } finally {
          socket.disconnect();
        }
      },
      {
        auth: { token: 'abc', n: 1 },
        acked: ['text', 42, -7, 1.5, 2 ** 40, true, null, { deep: [Buffer.from([1, 2]), { b: Buffer.alloc(300, 7) }] }],
        echoed: [Buffer.from([9]), Buffer.from([5, 6])],
        js: { a: [null, 1], d: date.toISOString(), nan: null },
        big: true,
      },
    );
  });
}

test('msgpack parser beside Node: a server-side disconnect reaches the client', async () => {
  await same(
    async (url) => {
      const socket = await connect(url, { parser, transports: ['websocket'] });
      socket.emit('disconnect-me');
      const [reason] = await once(socket, 'disconnect');
      return { reason, active: socket.active };
    },
    { reason: 'io server disconnect', active: false },
  );
});

test('msgpack parser beside Node: a client with the default parser never connects', async () => {
  await same(
    async (url) => {
      const socket = io(url, { forceNew: true, reconnection: false, transports: ['websocket'] });
      const outcome = await Promise.race([
        once(socket, 'connect').then(() => 'connect'),
        once(socket, 'connect_error').then(() => 'connect_error'),
        once(socket, 'disconnect').then(() => 'disconnect'),
      ]).catch(() => 'nothing');
      socket.disconnect();
      return outcome;
    },
    // Its text CONNECT does not decode: the server closes the connection.
    'disconnect',
  );
});
