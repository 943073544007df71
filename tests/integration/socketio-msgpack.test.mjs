// SOCKETIO_PARSER=msgpack: the official socket.io-client with npm socket.io-msgpack-parser on
// /chat, on every transport (over long-polling each packet is a binary Engine.IO message, sent
// base64 "b..." in the payload as engine.io does for binary): login, public_message and
// private_message with their acks and broadcasts, exception acks, the token's refusal at
// CONNECT, connection-state recovery. A client with the default parser cannot join such a
// server, as with Node's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { io } from 'socket.io-client';
import parser from 'socket.io-msgpack-parser';
import { startChatd, registerAndLogin } from '../lib/chatd.mjs';
import { waitFor } from '../lib/chat-socket.mjs';

const tag = () => randomBytes(6).toString('hex');
let server;
let alice, bob;
const sockets = [];

before(async () => {
  server = await startChatd({ env: { SOCKETIO_PARSER: 'msgpack' } });
  [alice, bob] = await Promise.all([registerAndLogin(server), registerAndLogin(server)]);
});
after(async () => {
  for (const s of sockets) s.close();
  await server?.cleanup();
});

function open(token, transports, options = { parser }) {
  const socket = io(server.url + '/chat', { forceNew: true, reconnection: false, transports, auth: { token }, ...options });
  sockets.push(socket);
  socket.received = [];
  socket.onAny((event, ...args) => socket.received.push({ event, args }));
  return socket;
}

function connected(socket) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not connected within 5 s')), 5000);
    socket.once('connect', () => (clearTimeout(timer), resolve(socket)));
    socket.once('connect_error', (err) => (clearTimeout(timer), reject(err)));
  });
}

const connect = (token, transports, options) => connected(open(token, transports, options));
const got = (socket, event, text) => socket.received.filter((r) => r.event === event && r.args[0].message === text);

for (const [name, transports] of [
  ['polling, upgraded', ['polling', 'websocket']],
  ['WebSocket only', ['websocket']],
  ['polling only', ['polling']],
]) {
  test(`msgpack parser on /chat (${name}): messages, acks, broadcasts, exceptions`, async () => {
    const a = await connect(alice.token, transports);
    const b = await connect(bob.token, transports);
    // Login: the socket is alice's.
    assert.equal(a.connected, true);

    const text = 'msgpack ' + tag();
    const ack = await a.timeout(5000).emitWithAck('public_message', { message: text, clientMsgId: tag() });
    assert.equal(typeof ack.id, 'number');
    assert.equal(typeof ack.createdAt, 'string');
    await waitFor(() => got(b, 'public_message', text).length === 1 && got(a, 'public_message', text).length === 1, 'public broadcast');
    const [p, offset] = got(b, 'public_message', text)[0].args;
    assert.equal(p.id, ack.id);
    assert.equal(p.senderId, alice.user.id);
    assert.equal(offset, String(ack.id));

    const secret = 'private ' + tag();
    const pack = await a.timeout(5000).emitWithAck('private_message', { recipientId: bob.user.id, message: secret });
    assert.equal(typeof pack.id, 'number');
    await waitFor(() => got(b, 'private_message', secret).length === 1, 'private message');
    const [pm] = got(b, 'private_message', secret)[0].args;
    assert.deepEqual(
      { senderId: pm.senderId, recipientId: pm.recipientId, id: pm.id },
      { senderId: alice.user.id, recipientId: bob.user.id, id: pack.id },
    );
    assert.equal(got(a, 'private_message', secret).length, 0, 'not echoed to the sender');

    // A refusal: the exception event and the same object as the ack.
    const err = await a.timeout(5000).emitWithAck('private_message', { recipientId: 'x', message: 'hi' });
    assert.deepEqual(err, { status: 'error', message: 'recipientId must be a positive integer' });
    await waitFor(() => a.received.some((r) => r.event === 'exception' && r.args[0].message === err.message), 'exception');
    // Binary where text belongs is refused like any other wrong type.
    const bin = await a.timeout(5000).emitWithAck('public_message', Buffer.from([1, 2, 3]));
    assert.deepEqual(bin, { status: 'error', message: 'message must be a string' });
    assert.equal(a.connected, true, 'the connection stays usable');
    a.close();
    b.close();
  });
}

test('msgpack parser: a bad token is refused at CONNECT with connect_error', async () => {
  await assert.rejects(connect('not-a-token', ['websocket']), { message: 'Unauthorized' });
});

test('msgpack parser: a recovered socket gets the messages it missed', async () => {
  const a = await connect(alice.token, ['websocket'], { parser, reconnection: true, reconnectionDelay: 500, reconnectionDelayMax: 500 });
  const b = await connect(bob.token, ['websocket']);
  const first = 'before ' + tag();
  await b.timeout(5000).emitWithAck('public_message', first);
  await waitFor(() => got(a, 'public_message', first).length === 1, 'first message');
  const back = new Promise((resolve) => a.once('connect', resolve));
  a.io.engine.close();  // a transport close: the client reconnects and asks to recover
  const missed = 'missed ' + tag();
  await b.timeout(5000).emitWithAck('public_message', missed);
  await back;
  assert.equal(a.recovered, true);
  await waitFor(() => got(a, 'public_message', missed).length === 1, 'the missed message, replayed');
  assert.equal(got(a, 'public_message', first).length, 1, 'nothing sent twice');
  a.close();
  b.close();
});

test('a client with the default parser cannot join a msgpack server', async () => {
  await assert.rejects(connect(alice.token, ['websocket'], {}));
  await assert.rejects(connect(alice.token, ['polling'], {}));
});
