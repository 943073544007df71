// Connection life: server-initiated disconnects, heartbeat timeouts, the connect timeout, and
// reconnection after a server restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io, Manager } from 'socket.io-client';
import {
  startConformance,
  connect,
  once,
  request,
  rawSocket,
  sleep,
  PING_INTERVAL,
  PING_TIMEOUT,
} from './helpers.mjs';

let server;
before(async () => {
  server = await startConformance();
});
after(async () => server.cleanup());

const wsUrl = () => server.url.replace('http', 'ws') + '/socket.io/?EIO=4&transport=websocket';

for (const transport of ['polling', 'websocket']) {
  test(`${transport}: server-initiated disconnect of one namespace`, async () => {
    const manager = new Manager(server.url, { autoConnect: false, transports: [transport] });
    const root = manager.socket('/');
    const custom = manager.socket('/custom');
    root.connect();
    custom.connect();
    await Promise.all([once(root, 'connect'), once(custom, 'connect')]);
    try {
      const disconnected = once(root, 'disconnect');
      root.emit('disconnect-me');
      assert.deepEqual((await disconnected)[0], 'io server disconnect');
      // Not an error: the client does not reconnect by itself...
      await sleep(300);
      assert.equal(root.connected, false);
      // ...the other namespace and the connection stay up...
      assert.equal(custom.connected, true);
      assert.equal(manager.engine.readyState, 'open');
      // ...and it may come back.
      root.connect();
      await once(root, 'connect');
      assert.deepEqual(await request(root, 'echo', 'back'), ['back']);
    } finally {
      root.disconnect();
      custom.disconnect();
      manager.engine?.close();
    }
  });

  test(`${transport}: server-initiated disconnect that closes the connection`, async () => {
    const socket = await connect(server.url, { transports: [transport] });
    const disconnected = once(socket, 'disconnect');
    socket.emit('disconnect-me', true);
    const [reason] = await disconnected;
    assert.ok(['io server disconnect', 'transport close'].includes(reason), reason);
    await sleep(100);
    assert.equal(socket.io.engine.readyState, 'closed');
    socket.disconnect();
  });
}

test('a WebSocket client that never answers pings is closed within pingInterval + pingTimeout', async () => {
  const s = rawSocket(wsUrl());
  await s.opened;
  const openedAt = Date.now();
  assert.match(await s.next(), /^0\{/);
  s.send('40');
  assert.match(await s.next(), /^40\{"sid":/);
  const { at } = await s.closed;
  const elapsed = at - openedAt;
  assert.ok(elapsed >= PING_INTERVAL + PING_TIMEOUT - 50, `closed too early: ${elapsed} ms`);
  assert.ok(elapsed <= PING_INTERVAL + PING_TIMEOUT + 400, `closed too late: ${elapsed} ms`);
});

test('a WebSocket client that answers pings stays connected', async () => {
  const s = rawSocket(wsUrl());
  await s.opened;
  s.ws.on('message', (d) => d.toString() === '2' && s.send('3'));
  s.send('40');
  await sleep(4 * (PING_INTERVAL + PING_TIMEOUT));
  assert.equal(s.ws.readyState, s.ws.OPEN);
  s.close();
});

test('a polling client that stops polling is dropped after pingInterval + pingTimeout', async () => {
  const open = await (await fetch(server.url + '/socket.io/?EIO=4&transport=polling')).text();
  const { sid } = JSON.parse(open.slice(1));
  await sleep(PING_INTERVAL + PING_TIMEOUT + 150);
  const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), { code: 1, message: 'Session ID unknown' });
});

test('a connection that never joins a namespace is closed after the handshake timeout', async () => {
  const s = rawSocket(wsUrl());
  await s.opened;
  const start = Date.now();
  s.ws.on('message', (d) => d.toString() === '2' && s.send('3'));  // heartbeats are fine
  const { at } = await s.closed;
  assert.ok(at - start >= 900 && at - start < 2500, `closed after ${at - start} ms`);
});

test('the client reconnects by itself after a server restart', async () => {
  const first = await startConformance();
  const port = first.port;
  const socket = io(first.url, { forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 300 });
  try {
    await once(socket, 'connect');
    const firstId = socket.id;
    const disconnected = once(socket, 'disconnect', 5000);
    await first.cleanup();
    await disconnected;
    const second = await startConformance({}, { port });
    try {
      await once(socket, 'connect', 5000);
      assert.notEqual(socket.id, firstId);
      assert.deepEqual(await request(socket, 'echo', 'again'), ['again']);
    } finally {
      socket.disconnect();
      await second.cleanup();
    }
  } finally {
    socket.disconnect();
    await first.cleanup();
  }
});
