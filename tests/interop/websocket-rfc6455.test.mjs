// RFC 6455 framing against chatd's WebSocket endpoint (GET /socket.io/?EIO=4&transport=websocket),
// with every frame built by hand over TCP: fragmentation, control frames between fragments,
// ping/pong, close codes, UTF-8 in text frames, masking, reserved bits and opcodes, 16- and
// 64-bit lengths, control frame limits, and messages over MAX_PAYLOAD_BYTES. Allowed cases are
// followed by a Socket.IO exchange ("message" is echoed as "message-back" by the conformance
// server) to show that the connection still works; violations must end in a close frame with
// the code RFC 6455 §7.4.1 calls for, then the end of the TCP connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConformance, handmadeWebSocket, clientFrame, serverFrames } from './helpers.mjs';

const MAX_PAYLOAD = 100_000;
const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa };

let server;
before(async () => {
  server = await startConformance({
    MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD),
    // No Engine.IO heartbeat may slip between the frames checked here.
    PING_INTERVAL_MS: '20000',
    PING_TIMEOUT_MS: '20000',
  });
});
after(async () => server.cleanup());

const closeFrame = (code, reason = '', options) => {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code);
  return clientFrame(OP.close, Buffer.concat([payload, Buffer.from(reason)]), options);
};

// A hand-made WebSocket joined to "/": the Engine.IO open packet read, CONNECT answered.
async function connect() {
  const sock = await handmadeWebSocket(server.port, '/socket.io/?EIO=4&transport=websocket');
  const frames = serverFrames(sock);
  const c = {
    frames,
    send: (...parts) => sock.write(Buffer.concat(parts)),
    async next(opcode = OP.text) {
      const f = await frames.next();
      assert.equal(f.opcode, opcode, `opcode ${f.opcode} (${f.payload.toString()})`);
      assert.ok(f.fin && f.rsv === 0);
      return f.opcode === OP.text ? f.payload.toString() : f.payload;
    },
  };
  assert.match(await c.next(), /^0\{"sid":/);
  c.send(clientFrame(OP.text, '40'));
  assert.match(await c.next(), /^40\{"sid":/);
  assert.match(await c.next(), /^42\["auth",/);
  return c;
}

const message = (text) => `42${JSON.stringify(['message', text])}`;
const messageBack = (text) => `42${JSON.stringify(['message-back', text])}`;

// The connection still carries Socket.IO messages.
async function stillWorks(c, text = 'still here') {
  c.send(clientFrame(OP.text, message(text)));
  assert.equal(await c.next(), messageBack(text));
}

// The server answers with a close frame carrying `code` (or no payload for null) and then
// closes the TCP connection without waiting for the client.
async function closedWith(c, code) {
  const payload = await c.next(OP.close);
  if (code === null) assert.equal(payload.length, 0);
  else assert.equal(payload.readUInt16BE(0), code, `close code ${payload.readUInt16BE(0)}`);
  await Promise.race([
    c.frames.ended,
    new Promise((_, reject) => setTimeout(() => reject(new Error('TCP connection still open')), 3000)),
  ]);
}

// Sends the frames of a violation on a fresh connection and expects the close code.
async function refused(code, ...frames) {
  const c = await connect();
  c.send(...frames);
  await closedWith(c, code);
}

test('a text message in fragments (a character split between two) reaches the session', async () => {
  const c = await connect();
  const bytes = Buffer.from(message('fragmented ✓ text'));
  const cut = bytes.indexOf(Buffer.from('✓')) + 1;  // inside the three bytes of ✓
  c.send(
    clientFrame(OP.text, bytes.subarray(0, 5), { fin: false }),
    clientFrame(OP.continuation, bytes.subarray(5, cut), { fin: false }),
    clientFrame(OP.continuation, Buffer.alloc(0), { fin: false }),
    clientFrame(OP.continuation, bytes.subarray(cut)),
  );
  assert.equal(await c.next(), messageBack('fragmented ✓ text'));
  // One frame per byte.
  const single = Buffer.from(message('byte by byte ✓'));
  c.send(
    ...[...single].map((b, i) =>
      clientFrame(i === 0 ? OP.text : OP.continuation, Buffer.from([b]), {
        fin: i === single.length - 1,
      }),
    ),
  );
  assert.equal(await c.next(), messageBack('byte by byte ✓'));
  await stillWorks(c);
});

test('control frames between fragments are answered at once; the message still arrives', async () => {
  const c = await connect();
  const bytes = Buffer.from(message('around controls'));
  c.send(
    clientFrame(OP.text, bytes.subarray(0, 10), { fin: false }),
    clientFrame(OP.ping, 'first'),
    clientFrame(OP.pong, 'unsolicited'),
    clientFrame(OP.continuation, bytes.subarray(10, 20), { fin: false }),
    clientFrame(OP.ping, ''),
    clientFrame(OP.continuation, bytes.subarray(20)),
  );
  assert.equal((await c.next(OP.pong)).toString(), 'first');
  assert.equal((await c.next(OP.pong)).length, 0);
  assert.equal(await c.next(), messageBack('around controls'));
});

test('a binary attachment in fragments reaches the session', async () => {
  const c = await connect();
  const attachment = Buffer.from([0, 1, 2, 0xfe, 0xff, 3, 4, 5]);
  c.send(
    clientFrame(OP.text, '451-["message",{"_placeholder":true,"num":0}]'),
    clientFrame(OP.binary, attachment.subarray(0, 3), { fin: false }),
    clientFrame(OP.ping, 'between'),
    clientFrame(OP.continuation, attachment.subarray(3)),
  );
  assert.equal((await c.next(OP.pong)).toString(), 'between');
  assert.equal(await c.next(), '451-["message-back",{"_placeholder":true,"num":0}]');
  assert.deepEqual(await c.next(OP.binary), attachment);
  await stillWorks(c);
});

test('pings get pongs with their payload (up to 125 bytes); unsolicited pongs are ignored', async () => {
  const c = await connect();
  const big = Buffer.alloc(125, 0xa5);
  c.send(clientFrame(OP.ping, big), clientFrame(OP.pong, 'nobody asked'), clientFrame(OP.ping, 'x'));
  assert.deepEqual(await c.next(OP.pong), big);
  assert.equal((await c.next(OP.pong)).toString(), 'x');
  // The Engine.IO ping of an upgrade probe, answered by the session.
  c.send(clientFrame(OP.text, '2probe'));
  assert.equal(await c.next(), '3probe');
  await stillWorks(c);
});

test('16-bit and 64-bit payload lengths, up to MAX_PAYLOAD_BYTES exactly', async () => {
  const c = await connect();
  for (const size of [126, 1000, 65535, 65536, 70_000]) {
    const text = 'y'.repeat(size - message('').length);
    c.send(clientFrame(OP.text, message(text)));
    assert.equal(await c.next(), messageBack(text), `message of ${size} bytes`);
  }
  const text = 'z'.repeat(MAX_PAYLOAD - message('').length);
  c.send(clientFrame(OP.text, message(text)));
  assert.equal(await c.next(), messageBack(text));
});

test('the close codes a client may send are echoed', async () => {
  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 3000, 4999]) {
    const c = await connect();
    c.send(closeFrame(code, 'bye ✓'));
    await closedWith(c, code);
  }
});

test('a close without a code is answered by a close without one', async () => {
  const c = await connect();
  c.send(clientFrame(OP.close, ''));
  await closedWith(c, null);
});

test('nothing after the close frame is read', async () => {
  const c = await connect();
  c.send(closeFrame(1000), clientFrame(OP.text, message('too late')));
  await closedWith(c, 1000);
});

for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
  test(`close code ${code} is a protocol error (1002)`, () => refused(1002, closeFrame(code)));
}

test('a close payload of one byte is a protocol error (1002)', () =>
  refused(1002, clientFrame(OP.close, Buffer.from([0x03]))));

test('a close reason that is not UTF-8 is refused with 1007', () =>
  refused(1007, closeFrame(1000, Buffer.from([0x62, 0xff, 0x65]))));

const invalidUtf8 = {
  'a byte that never occurs (0xff)': [Buffer.from('42["message","\xff"]', 'latin1')],
  'an overlong form': [Buffer.from([0x34, 0x32, 0xc0, 0xaf])],
  'a UTF-16 surrogate': [Buffer.from([0x34, 0x32, 0xed, 0xa0, 0x80])],
  'a code point past U+10FFFF': [Buffer.from([0x34, 0x32, 0xf4, 0x90, 0x80, 0x80])],
  'a sequence cut by a fragment that starts with ASCII': [
    Buffer.from([0x34, 0x32, 0xce]),
    Buffer.from('A'),
  ],
  'a sequence the last fragment leaves unfinished': [
    Buffer.from([0x34, 0x32, 0xf0, 0x9f]),
    Buffer.from([0x98]),
  ],
};
for (const [what, parts] of Object.entries(invalidUtf8)) {
  test(`invalid UTF-8 in a text message (${what}) is refused with 1007`, () =>
    refused(
      1007,
      ...parts.map((p, i) =>
        clientFrame(i === 0 ? OP.text : OP.continuation, p, { fin: i === parts.length - 1 }),
      ),
    ));
}

test('an unmasked client frame is a protocol error (1002)', () =>
  refused(1002, clientFrame(OP.text, message('bare'), { mask: false })));

test('an unmasked ping is a protocol error (1002)', () =>
  refused(1002, clientFrame(OP.ping, 'bare', { mask: false })));

for (const rsv of [1, 2, 4]) {
  test(`reserved bits ${rsv.toString(2).padStart(3, '0')} are a protocol error (1002)`, () =>
    refused(1002, clientFrame(OP.text, message('x'), { rsv })));
}

for (const opcode of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
  test(`reserved opcode ${opcode} is a protocol error (1002)`, () =>
    refused(1002, clientFrame(opcode, 'x')));
}

test('a 64-bit length with the top bit set is a protocol error (1002)', () =>
  refused(1002, clientFrame(OP.binary, '', { length: 1n << 63n, lengthForm: 64 })));

test('a length in a longer field than it needs is a protocol error (1002)', async () => {
  await refused(1002, clientFrame(OP.text, message('short'), { lengthForm: 16 }));
  await refused(1002, clientFrame(OP.text, message('short'), { lengthForm: 64 }));
});

test('a control frame over 125 bytes is a protocol error (1002)', async () => {
  await refused(1002, clientFrame(OP.ping, Buffer.alloc(126)));
  const longClose = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.alloc(124, 0x61)]);
  await refused(1002, clientFrame(OP.close, longClose));
});

test('a fragmented control frame is a protocol error (1002)', async () => {
  await refused(1002, clientFrame(OP.ping, 'a', { fin: false }), clientFrame(OP.continuation, 'b'));
  await refused(1002, clientFrame(OP.close, '', { fin: false }));
});

test('a continuation frame with no message to continue is a protocol error (1002)', () =>
  refused(1002, clientFrame(OP.continuation, message('orphan'))));

test('a new message inside a fragmented one is a protocol error (1002)', () =>
  refused(1002, clientFrame(OP.text, '42["mess', { fin: false }), clientFrame(OP.text, message('x'))));

test('a message over MAX_PAYLOAD_BYTES is refused with 1009', async () => {
  // In one frame, in fragments that only add up to too much, and announced by its length alone
  // (no payload sent: chatd must not wait for 1 TiB).
  await refused(1009, clientFrame(OP.text, message('o'.repeat(MAX_PAYLOAD))));
  const half = Buffer.from('p'.repeat(MAX_PAYLOAD / 2 + 1));
  await refused(
    1009,
    clientFrame(OP.text, half, { fin: false }),
    clientFrame(OP.continuation, half),
  );
  await refused(1009, clientFrame(OP.binary, '', { length: 1n << 40n, lengthForm: 64 }));
});

test('after all that, a new connection works', async () => {
  await stillWorks(await connect(), 'fresh');
});
