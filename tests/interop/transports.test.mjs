// socket.io-client and engine.io-client against chatd: both transports, the upgrade, several
// namespaces on one connection, handshake auth, unknown namespaces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Manager } from 'socket.io-client';
import { Socket as EngineSocket } from 'engine.io-client';
import { startConformance, connect, once, request, until, sleep, PING_INTERVAL, PING_TIMEOUT } from './helpers.mjs';

let server;
before(async () => {
  server = await startConformance();
});
after(async () => server.cleanup());

test('default transports: polling first, then upgraded to websocket', async () => {
  const socket = await connect(server.url);
  try {
    const engine = socket.io.engine;
    await until(() => engine.transport.name === 'websocket', 3000, 'the upgrade');
    assert.equal(socket.io.engine.transport.name, 'websocket');
    assert.deepEqual(await request(socket, 'message-with-ack', 1, '2', { 3: [true] }), [1, '2', { 3: [true] }]);
    // Several heartbeats later the connection is still there.
    await sleep(3 * PING_INTERVAL);
    assert.equal(socket.connected, true);
  } finally {
    socket.disconnect();
  }
});

test('the first transport of the default set is polling', async () => {
  const manager = new Manager(server.url, { reconnection: false, autoConnect: false });
  const socket = manager.socket('/');
  const opened = once(manager, 'open');
  socket.connect();
  await opened;
  const first = manager.engine.transport.name;
  await once(socket, 'connect');
  const upgraded = manager.engine.transport.name === 'websocket' ? [] : await once(manager.engine, 'upgrade');
  assert.equal(first, 'polling');
  assert.equal(manager.engine.transport.name, 'websocket');
  assert.ok(upgraded.length === 0 || upgraded[0].name === 'websocket');
  socket.disconnect();
});

test('polling only', async () => {
  const socket = await connect(server.url, { transports: ['polling'] });
  try {
    assert.equal(socket.io.engine.transport.name, 'polling');
    socket.emit('message', 'a', { b: [1, 2] });
    assert.deepEqual(await once(socket, 'message-back'), ['a', { b: [1, 2] }]);
    assert.deepEqual(await request(socket, 'echo', 'x', 2), ['x', 2]);
    // Pings and pongs go through polls: after several heartbeats it is still connected.
    await sleep(4 * (PING_INTERVAL + PING_TIMEOUT));
    assert.equal(socket.connected, true);
    assert.equal(socket.io.engine.transport.name, 'polling');
    assert.deepEqual(await request(socket, 'echo', 'still here'), ['still here']);
  } finally {
    socket.disconnect();
  }
});

test('websocket only', async () => {
  const socket = await connect(server.url, { transports: ['websocket'] });
  try {
    assert.equal(socket.io.engine.transport.name, 'websocket');
    socket.emit('message', 1, '2', { 3: [true] });
    assert.deepEqual(await once(socket, 'message-back'), [1, '2', { 3: [true] }]);
    await sleep(3 * PING_INTERVAL);
    assert.deepEqual(await request(socket, 'message-with-ack', 'ok'), ['ok']);
  } finally {
    socket.disconnect();
  }
});

test('upgrade: false keeps polling', async () => {
  const socket = await connect(server.url, { upgrade: false });
  try {
    await sleep(300);
    assert.equal(socket.io.engine.transport.name, 'polling');
    assert.deepEqual(await request(socket, 'echo', 'p'), ['p']);
  } finally {
    socket.disconnect();
  }
});

test('several namespaces share one connection', async () => {
  const manager = new Manager(server.url, { reconnection: false, autoConnect: false });
  const root = manager.socket('/');
  const custom = manager.socket('/custom', { auth: { token: 'abc' } });
  const rootAuth = once(root, 'auth');
  const customAuth = once(custom, 'auth');
  root.connect();
  custom.connect();
  await Promise.all([once(root, 'connect'), once(custom, 'connect')]);
  try {
    assert.deepEqual(await rootAuth, [{}]);
    assert.deepEqual(await customAuth, [{ token: 'abc' }]);
    assert.equal(root.io, custom.io);
    assert.notEqual(root.id, custom.id);
    // Leaving one namespace leaves the other, and the connection, alone.
    custom.disconnect();
    await sleep(100);
    assert.deepEqual(await request(root, 'message-with-ack', 'after'), ['after']);
    assert.equal(manager.engine.readyState, 'open');
    // And it can join again.
    const again = once(custom, 'auth');
    custom.connect();
    assert.deepEqual(await again, [{ token: 'abc' }]);
  } finally {
    root.disconnect();
    custom.disconnect();
  }
});

test('an unknown namespace gets connect_error "Invalid namespace"; others still work', async () => {
  const manager = new Manager(server.url, { reconnection: false, autoConnect: false });
  const root = manager.socket('/');
  const nope = manager.socket('/does-not-exist');
  root.connect();
  await once(root, 'connect');
  nope.connect();
  const [err] = await once(nope, 'connect_error');
  assert.equal(err.message, 'Invalid namespace');
  assert.equal(nope.connected, false);
  assert.deepEqual(await request(root, 'echo', 1), [1]);
  root.disconnect();
});

test('a middleware refusal reaches the client as connect_error with message and data', async () => {
  for (const transports of [['polling'], ['websocket']]) {
    const manager = new Manager(server.url, { reconnection: false, autoConnect: false, transports });
    const refused = manager.socket('/guarded', { auth: { token: 'wrong' } });
    refused.connect();
    const [err] = await once(refused, 'connect_error');
    assert.equal(err.message, 'not allowed');
    assert.deepEqual(err.data, { reason: 'bad token' });
    assert.equal(refused.connected, false);
    // The same connection may still join another namespace.
    const root = manager.socket('/');
    root.connect();
    await once(root, 'connect');
    root.disconnect();
    refused.disconnect();
  }
});

test('a middleware admits a socket and sees its handshake', async () => {
  for (const transports of [['polling'], ['websocket']]) {
    const manager = new Manager(server.url, {
      reconnection: false,
      autoConnect: false,
      transports,
      query: { q: 'one' },
      extraHeaders: { 'x-test': 'yes' },
    });
    const socket = manager.socket('/guarded', { auth: { token: 'let-me-in' } });
    const got = once(socket, 'handshake');
    socket.connect();
    const [hs] = await got;
    assert.equal(hs.query.q, 'one');
    assert.equal(hs.query.EIO, '4');
    assert.equal(hs.xTest, 'yes');
    assert.equal(hs.address, '127.0.0.1');
    assert.equal(hs.data, 'admitted by the middleware');
    socket.disconnect();
  }
});

test('the handshake auth payload reaches the server as sent', async () => {
  const auth = { token: 'tok-ü-✓', n: 42, nested: { list: [1, 'two', null, true] } };
  for (const transports of [['polling'], ['websocket']]) {
    const manager = new Manager(server.url, { reconnection: false, autoConnect: false, transports });
    const socket = manager.socket('/', { auth });
    const got = once(socket, 'auth');  // the conformance server emits it right after CONNECT
    socket.connect();
    assert.deepEqual(await got, [auth]);
    socket.disconnect();
  }
});

test('engine.io-client against the bare Engine.IO echo server', async () => {
  for (const transports of [['polling', 'websocket'], ['polling'], ['websocket']]) {
    const socket = new EngineSocket(server.url, { path: '/engine.io/', transports });
    await once(socket, 'open');
    socket.send('hello');
    assert.deepEqual(await once(socket, 'message'), ['hello']);
    socket.send(Buffer.from([1, 2, 3, 4]));
    const [bin] = await once(socket, 'message');
    assert.deepEqual(Buffer.from(bin), Buffer.from([1, 2, 3, 4]));
    if (transports.length === 2) {
      await until(() => socket.transport.name === 'websocket', 3000, 'the upgrade');
      socket.send('after upgrade');
      assert.deepEqual(await once(socket, 'message'), ['after upgrade']);
    }
    // Heartbeats keep it open.
    await sleep(2 * (PING_INTERVAL + PING_TIMEOUT));
    assert.equal(socket.readyState, 'open');
    const closed = once(socket, 'close');
    socket.close();
    assert.equal((await closed)[0], 'forced close');
  }
});
