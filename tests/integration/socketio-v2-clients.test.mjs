// Socket.IO v2 clients (Engine.IO v3), served with ALLOW_EIO3: the official npm
// socket.io-client 2.x (installed as socket.io-client-v2) on /chat over long-polling (then
// upgraded), long-polling only and WebSocket only, with the token in the query string as such
// apps send it. Without ALLOW_EIO3 the same client is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import ioV2 from 'socket.io-client-v2';
import { startChatd, registerAndLogin } from '../lib/chatd.mjs';
import { connect as connectV4, eventsOf, waitFor } from '../lib/chat-socket.mjs';

const tag = () => randomBytes(6).toString('hex');
let server;
let alice, bob;
const sockets = [];

before(async () => {
  server = await startChatd({ env: { ALLOW_EIO3: '1', PING_INTERVAL_MS: '300', PING_TIMEOUT_MS: '300' } });
  [alice, bob] = await Promise.all([registerAndLogin(server), registerAndLogin(server)]);
});
after(async () => {
  for (const s of sockets) s.close();
  await server?.cleanup();
});

// A v2 client on /chat; records what it receives in socket.received.
function connectV2(base, token, transports) {
  const socket = ioV2(base + '/chat', { forceNew: true, reconnection: false, transports, query: { token } });
  sockets.push(socket);
  socket.received = [];
  const onevent = socket.onevent;
  socket.onevent = function (packet) {
    socket.received.push({ event: packet.data[0], args: packet.data.slice(1) });
    onevent.call(this, packet);
  };
  return socket;
}

function connected(socket) {
  return new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (e) => reject(new Error('error: ' + JSON.stringify(e))));
    socket.once('connect_error', reject);
  });
}

function ackOf(socket, event, payload) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ack')), 5000);
    socket.emit(event, payload, (ack) => {
      clearTimeout(timer);
      resolve(ack);
    });
  });
}

for (const [name, transports] of [
  ['polling, upgraded to WebSocket', ['polling', 'websocket']],
  ['polling only', ['polling']],
  ['WebSocket only', ['websocket']],
]) {
  test(`socket.io-client 2.x on /chat (${name}): login, public_message with ack, the broadcast`, async () => {
    const v2 = connectV2(server.url, alice.token, transports);
    await connected(v2);
    if (transports.length === 2 && v2.io.engine.transport.name !== 'websocket')
      await new Promise((resolve) => v2.io.engine.once('upgrade', resolve));
    assert.equal(v2.io.engine.transport.name, transports.at(-1));
    const v4 = await connectV4(server, bob.token, 'websocket');
    sockets.push(v4);

    const text = 'from a v2 client ' + tag();
    const ack = await ackOf(v2, 'public_message', text);
    assert.equal(typeof ack.id, 'number');
    const match = (p) => p.message === text;
    await waitFor(() => eventsOf(v4, 'public_message', match).length === 1, 'broadcast to v4');
    await waitFor(() => eventsOf(v2, 'public_message', match).length === 1, 'broadcast to v2');
    const [got] = eventsOf(v2, 'public_message', match);
    assert.equal(got.id, ack.id);
    assert.equal(got.senderId, alice.user.id);

    // And the other way: a v4 client's message reaches the v2 one.
    const back = 'to a v2 client ' + tag();
    await v4.timeout(5000).emitWithAck('public_message', back);
    await waitFor(() => eventsOf(v2, 'public_message', (p) => p.message === back).length === 1, 'to v2');

    // Heartbeats: the client pings (every 300 ms here) and stays connected.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(v2.connected, true);
    v2.close();
    v4.close();
  });
}

test('a v2 client with a bad token gets an "error" event with the reason', async () => {
  const v2 = connectV2(server.url, 'not-a-token', ['websocket']);
  const [err] = await new Promise((resolve) => v2.once('error', (...a) => resolve(a)));
  assert.equal(err, 'Unauthorized');
});

test('without ALLOW_EIO3 a v2 handshake is refused', async () => {
  const plain = await startChatd();
  try {
    const res = await fetch(`${plain.url}/socket.io/?EIO=3&transport=polling`);
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { code: 5, message: 'Unsupported protocol version' });
  } finally {
    await plain.cleanup();
  }
});
