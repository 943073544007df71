// Bad input on /chat never crashes and never vanishes silently: each case gets an `exception`
// event {status:"error", message} (and the same body in the ack when one was asked for), nothing
// is stored, and the very same connection keeps working afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, waitFor } from '../lib/chat-socket.mjs';
import { startChatd, api, registerAndLogin, uploadChatImage } from '../lib/chatd.mjs';


const exceptions = (s) => s.received.filter((r) => r.event === 'exception').map((r) => r.args[0]);

let server;
let alice, bob;
let socket; // alice's device on which every bad input is tried
let stored = 0; // public messages that must be in the history
let imageUrl;

before(async () => {
  // The rate limit is exercised in chat-rate-limit.test.mjs; here it must not interfere.
  server = await startChatd({ env: { MESSAGE_RATE_PER_SECOND: '1000', MESSAGE_BURST: '1000' } });
  [alice, bob] = await Promise.all([registerAndLogin(server), registerAndLogin(server)]);
  socket = await connect(server, alice.token, 'upgrade');
  imageUrl = await uploadChatImage(server, bob.token);
  stored += 1; // the upload is a public image message
});

after(async () => {
  socket?.close();
  await server?.cleanup();
});

// Sends a good public message on the same connection and checks it is acknowledged.
async function stillWorks() {
  const ack = await socket.timeout(5000).emitWithAck('public_message', 'still works ' + stored);
  assert.equal(typeof ack.id, 'number', JSON.stringify(ack));
  stored += 1;
}

// The case with an ack callback (the ack is the error body, and an `exception` event arrives
// too), then without one (the `exception` event alone), then a message that works.
async function expectRejected(event, args, pattern) {
  const before = exceptions(socket).length;
  const ack = await socket.timeout(5000).emitWithAck(event, ...args);
  assert.equal(ack?.status, 'error', `${event} ${JSON.stringify(args)} → ${JSON.stringify(ack)}`);
  assert.equal(typeof ack.message, 'string');
  assert.match(ack.message, pattern);
  await waitFor(() => exceptions(socket).length >= before + 1, `exception for ${event}`);
  assert.deepEqual(exceptions(socket)[before], ack);

  socket.emit(event, ...args);
  await waitFor(() => exceptions(socket).length >= before + 2, `exception for ${event} without ack`);
  assert.deepEqual(exceptions(socket)[before + 1], { status: 'error', message: ack.message });
  await stillWorks();
  assert.equal(exceptions(socket).length, before + 2);
}

test('public_message: wrong payload types, missing text, blank text, too long', async () => {
  await expectRejected('public_message', [42], /message must be a string/);
  await expectRejected('public_message', [[1, 2]], /message must be a string/);
  await expectRejected('public_message', [null], /message must be a string/);
  await expectRejected('public_message', [true], /message must be a string/);
  await expectRejected('public_message', [{}], /message must be a string/);
  await expectRejected('public_message', [{ text: 'hi' }], /message must be a string/);
  await expectRejected('public_message', [{ message: 42 }], /message must be a string/);
  await expectRejected('public_message', [{ message: ['a'] }], /message must be a string/);
  await expectRejected('public_message', [Buffer.from('binary')], /message must be a string/);
  await expectRejected('public_message', [], /message must be a string/);
  await expectRejected('public_message', [''], /empty/);
  await expectRejected('public_message', ['   \n\t  '], /empty/);
  await expectRejected('public_message', [{ message: ' ' }], /empty/);
  // Blank in any script: no-break, ideographic and em spaces, zero-width space, byte order mark.
  await expectRejected('public_message', ['\u00a0\u3000\u2003'], /empty/);
  await expectRejected('public_message', ['\u200b\ufeff \u2028'], /empty/);
  await expectRejected('public_message', ['a\u0000b'], /NUL/);
  await expectRejected('public_message', ['x'.repeat(4001)], /at most 4000 characters/);
  await expectRejected('public_message', ['é'.repeat(4001)], /at most 4000 characters/);
});

test('public_message: exactly 4,000 characters (multi-byte too) and text around blanks are fine', async () => {
  for (const text of ['x'.repeat(4000), 'é'.repeat(4000), '€'.repeat(4000), '😀'.repeat(4000), '\u00a0a\u3000', '  .  ']) {
    const ack = await socket.timeout(5000).emitWithAck('public_message', text);
    assert.equal(typeof ack.id, 'number');
    stored += 1;
  }
});

// JSON.stringify writes a lone surrogate (half an emoji cut by a client) as an escape; JSON.parse
// would take it, and chatd stores U+FFFD in its place instead of dropping the connection.
test('public_message: a lone UTF-16 surrogate becomes U+FFFD, the connection stays', async () => {
  const text = 'cut \ud83d emoji \ude00 and a pair \ud83d\ude00';
  const ack = await socket.timeout(5000).emitWithAck('public_message', text);
  assert.equal(typeof ack.id, 'number', JSON.stringify(ack));
  stored += 1;
  assert.equal(socket.connected, true);
  const res = await api(server, 'GET', '/api/chat/public?perPage=100', { token: alice.token });
  const found = res.body.data.find((m) => m.id === ack.id);
  assert.equal(found?.content, 'cut \ufffd emoji \ufffd and a pair \ud83d\ude00');
  await stillWorks();
});

test('private_message: wrong types, missing fields, unknown, self and non-numeric recipients', async () => {
  const to = bob.user.id;
  await expectRejected('private_message', ['just a string'], /object/);
  await expectRejected('private_message', [42], /object/);
  await expectRejected('private_message', [null], /object/);
  await expectRejected('private_message', [[to, 'hi']], /object/);
  await expectRejected('private_message', [], /object/);
  await expectRejected('private_message', [{ message: 'hi' }], /recipientId/);
  await expectRejected('private_message', [{ recipientId: to }], /message must be a string/);
  await expectRejected('private_message', [{ recipientId: to, message: 7 }], /message must be a string/);
  await expectRejected('private_message', [{ recipientId: to, message: '' }], /empty/);
  await expectRejected('private_message', [{ recipientId: to, message: '  \t ' }], /empty/);
  await expectRejected('private_message', [{ recipientId: to, message: 'y'.repeat(4001) }], /4000/);
  await expectRejected('private_message', [{ recipientId: 999999, message: 'hi' }], /not found/);
  await expectRejected('private_message', [{ recipientId: alice.user.id, message: 'hi' }], /yourself/);
  await expectRejected('private_message', [{ recipientId: String(alice.user.id), message: 'hi' }], /yourself/);
  for (const bad of ['abc', '12abc', '', ' 1', -1, 0, 1.5, true, {}, [to], null])
    await expectRejected('private_message', [{ recipientId: bad, message: 'hi' }], /recipientId/);
});

test('send_image: URLs chatd did not issue, wrong types, bad recipients', async () => {
  await expectRejected('send_image', [{ imageUrl: 'http://evil.example/x.png' }], /imageUrl/);
  await expectRejected('send_image', [{ imageUrl: '/uploads/../../etc/passwd' }], /imageUrl/);
  await expectRejected('send_image', [{ imageUrl: '/uploads/..%2F..%2Fetc%2Fpasswd' }], /imageUrl/);
  // Well-formed names chatd never stored.
  await expectRejected('send_image', [{ imageUrl: '/uploads/AAAAAAAAAAAAAAAAAAAAAAAA.1x1.png' }], /imageUrl/);
  await expectRejected('send_image', [{ imageUrl: imageUrl.replace(/\.png$/, '.jpg') }], /imageUrl/);
  await expectRejected('send_image', [{ imageUrl: 'http://evil.example/uploads/x' }], /imageUrl/);
  await expectRejected('send_image', [{ imageUrl: '' }], /imageUrl/);
  await expectRejected('send_image', [{ imageUrl: 42 }], /imageUrl/);
  await expectRejected('send_image', [{}], /imageUrl/);
  await expectRejected('send_image', [imageUrl], /object/);
  await expectRejected('send_image', [null], /object/);
  await expectRejected('send_image', [{ imageUrl, recipientId: 999999 }], /not found/);
  await expectRejected('send_image', [{ imageUrl, recipientId: alice.user.id }], /yourself/);
  await expectRejected('send_image', [{ imageUrl, recipientId: 'bob' }], /recipientId/);
  // The issued URL itself is fine.
  const ack = await socket.timeout(5000).emitWithAck('send_image', { imageUrl });
  assert.equal(typeof ack.id, 'number');
  stored += 1;
});

test('join_room and mark_read: wrong types and unknown ids', async () => {
  await expectRejected('join_room', [null], /object/);
  await expectRejected('join_room', ['7'], /object/);
  await expectRejected('join_room', [{}], /recipientId/);
  await expectRejected('join_room', [{ recipientId: 'x' }], /recipientId/);
  await expectRejected('join_room', [{ recipientId: 999999 }], /not found/);
  await expectRejected('mark_read', [null], /object/);
  await expectRejected('mark_read', [{ lastMessageId: 1 }], /peerId/);
  await expectRejected('mark_read', [{ peerId: bob.user.id }], /lastMessageId/);
  await expectRejected('mark_read', [{ peerId: bob.user.id, lastMessageId: 'last' }], /lastMessageId/);
  await expectRejected('mark_read', [{ peerId: 999999, lastMessageId: 1 }], /not found/);
  await expectRejected('mark_read', [{ peerId: alice.user.id, lastMessageId: 1 }], /yourself/);
});

test('unknown events get an exception naming them', async () => {
  await expectRejected('no_such_event', [{ a: 1 }], /unknown event: no_such_event/);
  await expectRejected('message', ['hi'], /unknown event: message/);
  await expectRejected('exception', [], /unknown event: exception/);
});

test('nothing refused was stored, everything accepted was, and the peer never heard of a refused message', async () => {
  const res = await api(server, 'GET', '/api/chat/public?perPage=100', { token: alice.token });
  assert.equal(res.status, 200);
  assert.equal(res.body.meta.totalItems, stored);
  const priv = await api(server, 'GET', `/api/chat/private/${bob.user.id}`, { token: alice.token });
  assert.equal(priv.body.meta.totalItems, 0);
  const health = await api(server, 'GET', '/health');
  assert.equal(health.status, 200);
});
