// Acknowledgements both ways and binary payloads both ways, on both transports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConformance, connect, once, request, toBuffers } from './helpers.mjs';

let server;
before(async () => {
  server = await startConformance();
});
after(async () => server.cleanup());

for (const transport of ['polling', 'websocket']) {
  test(`${transport}: client → server acks`, async () => {
    const socket = await connect(server.url, { transports: [transport] });
    try {
      assert.deepEqual(await request(socket, 'message-with-ack', 1, '2', { 3: [false] }), [1, '2', { 3: [false] }]);
      assert.deepEqual(await request(socket, 'echo'), []);
      assert.deepEqual(await request(socket, 'echo', null, 'é', [1.5, -2]), [null, 'é', [1.5, -2]]);
      // Many acks in flight at once come back to the right callbacks.
      const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => request(socket, 'echo', i)));
      assert.deepEqual(replies, Array.from({ length: 50 }, (_, i) => [i]));
      // Without an ack, echo answers with an event.
      socket.emit('echo', 'no ack', { a: 1 });
      assert.deepEqual(await once(socket, 'echo'), ['no ack', { a: 1 }]);
    } finally {
      socket.disconnect();
    }
  });

  test(`${transport}: server → client acks`, async () => {
    const socket = await connect(server.url, { transports: [transport] });
    try {
      socket.on('question', (a, b, answer) => answer('answer', a + b, { sum: [a, b] }));
      assert.deepEqual(await request(socket, 'ask', 'question', 2, 3), ['answer', 5, { sum: [2, 3] }]);
      // An answer with no arguments.
      socket.on('empty', (answer) => answer());
      assert.deepEqual(await request(socket, 'ask', 'empty'), []);
      // A client that never answers: the server's ack times out (after 2 s).
      socket.on('ignored', () => {});
      assert.deepEqual(await request(socket, 'ask', 'ignored'), [{ error: 'timeout' }]);
    } finally {
      socket.disconnect();
    }
  });

  test(`${transport}: binary payloads both ways, nested`, async () => {
    const socket = await connect(server.url, { transports: [transport] });
    try {
      const payload = [
        Buffer.from([1, 2, 3]),
        { nested: { buf: Buffer.from([4, 5]), list: [Buffer.alloc(0), 'x', Buffer.from('héllo')] } },
        'text',
        7,
      ];
      // Client → server → ack.
      assert.deepEqual(toBuffers(await request(socket, 'echo', ...payload)), payload);
      // Client → server → event.
      socket.emit('echo', ...payload);
      assert.deepEqual(toBuffers(await once(socket, 'echo')), payload);
      socket.emit('message', Buffer.from([9]), { b: Buffer.from([8, 7]) });
      assert.deepEqual(toBuffers(await once(socket, 'message-back')), [Buffer.from([9]), { b: Buffer.from([8, 7]) }]);
      // Server → client binary event, answered by a binary ack.
      socket.on('bin-question', (buf, obj, answer) => {
        answer({ got: toBuffers(buf), deep: [toBuffers(obj.inner)] }, Buffer.from([0xff, 0]));
      });
      const reply = await request(socket, 'ask', 'bin-question', Buffer.from([42]), { inner: Buffer.from([43, 44]) });
      assert.deepEqual(toBuffers(reply), [{ got: Buffer.from([42]), deep: [Buffer.from([43, 44])] }, Buffer.from([0xff, 0])]);
      // A large binary attachment.
      const big = Buffer.alloc(300_000, 0xab);
      assert.deepEqual(toBuffers(await request(socket, 'echo', big)), [big]);
    } finally {
      socket.disconnect();
    }
  });
}
