// The /admin namespace of the Socket.IO Admin UI (npm @socket.io/admin-ui) against chatd, spoken
// with the official socket.io-client as the UI speaks it: off by default; login with
// ADMIN_UI_USERNAME/ADMIN_UI_PASSWORD (refused slowly), then a session id; config, all_sockets
// and server_stats; live socket, room and event reports; the UI's commands (emit, join, leave,
// _disconnect); read-only and production modes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { startChatd, registerAndLogin } from '../lib/chatd.mjs';
import { connect, eventsOf, waitFor } from '../lib/chat-socket.mjs';

const PASSWORD = 'admin secret 42';
let server;
before(async () => {
  server = await startChatd({ env: { ADMIN_UI_PASSWORD: PASSWORD, ADMIN_UI_USERNAME: 'root' } });
});
after(async () => server?.cleanup());

// Connects to /admin as the UI does; resolves {socket, received} once connected, or rejects
// with the connect_error. Every event is recorded in order, from the first packet on.
function admin(node, auth, transports = ['polling', 'websocket']) {
  const socket = io(node.url + '/admin', { forceNew: true, reconnection: false, transports, auth });
  socket.received = [];
  socket.onAny((event, ...args) => socket.received.push({ event, args }));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (e) => {
      socket.close();
      reject(e);
    });
  });
}

const got = (socket, event, predicate = () => true) =>
  waitFor(() => socket.received.find((r) => r.event === event && predicate(...r.args))?.args, event, 8000);

const login = (node = server) => admin(node, { username: 'root', password: PASSWORD });

test('the /admin namespace is off without ADMIN_UI_PASSWORD', async () => {
  const plain = await startChatd();
  try {
    await assert.rejects(admin(plain, { username: 'admin', password: 'x' }), /Invalid namespace/);
  } finally {
    await plain.cleanup();
  }
});

test('wrong or missing credentials are refused, each after a pause', async () => {
  for (const auth of [{ username: 'root', password: 'guess' }, { username: 'admin', password: PASSWORD }, {}, { sessionId: 'made-up' }]) {
    const t0 = Date.now();
    await assert.rejects(admin(server, auth), /invalid credentials/);
    assert.ok(Date.now() - t0 >= 900, `refused after ${Date.now() - t0} ms`);
  }
});

test('a login gets a session id, the features and every socket; the session id logs in again', async () => {
  const u = await registerAndLogin(server);
  const chat = await connect(server, u.token);
  const a = await login();
  try {
    const [sessionId] = await got(a, 'session');
    assert.match(sessionId, /^[0-9a-f]{32}$/);
    const [config] = await got(a, 'config');
    assert.deepEqual(config.supportedFeatures,
      ['EMIT', 'JOIN', 'LEAVE', 'DISCONNECT', 'MJOIN', 'MLEAVE', 'MDISCONNECT', 'AGGREGATED_EVENTS', 'ALL_EVENTS']);
    const [sockets] = await got(a, 'all_sockets');
    const mine = sockets.find((s) => s.id === chat.id);
    assert.ok(mine, JSON.stringify(sockets));
    assert.equal(mine.nsp, '/chat');
    assert.equal(mine.transport, 'websocket');
    assert.match(mine.clientId, /^[A-Za-z0-9_-]{12}$/);
    assert.deepEqual(mine.data, { userId: u.user.id, username: u.user.username });
    assert.deepEqual([...mine.rooms].sort(), [chat.id, 'public_room', `user:${u.user.id}`].sort());
    assert.equal(mine.handshake.address, '127.0.0.1');
    assert.equal(typeof mine.handshake.issued, 'number');
    assert.match(mine.handshake.url, /^\/socket\.io\/\?/);
    assert.equal(mine.handshake.query.EIO, '4');
    assert.ok(sockets.some((s) => s.nsp === '/admin' && s.id === a.id), 'the admin itself is listed');
    // The order of the first packets: the session id before anything else.
    assert.equal(a.received[0].event, 'session');

    const again = await admin(server, { sessionId });
    assert.ok(!again.received.some((r) => r.event === 'session'));
    await got(again, 'config');
    again.close();
  } finally {
    a.close();
    chat.close();
  }
});

test('server_stats every 2 s: this server, its namespaces, clients and aggregated events', async () => {
  const a = await login();
  try {
    const t0 = Date.now();
    await got(a, 'server_stats');
    a.received = [];
    const [stats] = await got(a, 'server_stats');
    const gap = Date.now() - t0;
    assert.ok(gap >= 1500 && gap < 6000, `${gap} ms between two stats`);
    assert.equal(typeof stats.serverId, 'string');
    assert.equal(typeof stats.hostname, 'string');
    assert.equal(typeof stats.pid, 'number');
    assert.ok(stats.uptime > 0);
    assert.ok(stats.clientsCount >= 1);
    assert.ok(stats.pollingClientsCount >= 0);
    const names = stats.namespaces.map((n) => n.name).sort();
    assert.deepEqual(names, ['/admin', '/chat']);
    assert.equal(stats.namespaces.find((n) => n.name === '/admin').socketsCount, 1);
    for (const e of stats.aggregatedEvents) {
      assert.equal(e.timestamp % 1000, 0);
      assert.ok(['rawConnection', 'rawDisconnection', 'packetsIn', 'packetsOut', 'bytesIn', 'bytesOut'].includes(e.type), e.type);
      assert.ok(e.count > 0);
    }
  } finally {
    a.close();
  }
});

test('sockets, rooms and events are reported as they happen', async () => {
  const a = await login();
  await got(a, 'all_sockets');
  const u = await registerAndLogin(server);
  const peer = await registerAndLogin(server);
  const chat = await connect(server, u.token, 'polling-only');
  try {
    const [socket, at] = await got(a, 'socket_connected', (s) => s.id === chat.id);
    assert.equal(socket.nsp, '/chat');
    assert.equal(socket.transport, 'polling');
    assert.match(at, /^\d{4}-\d\d-\d\dT/);
    await got(a, 'room_joined', (nsp, room, id) => nsp === '/chat' && room === 'public_room' && id === chat.id);
    const text = 'watched ' + Date.now();
    await chat.timeout(5000).emitWithAck('public_message', text);
    const [, , received] = await got(a, 'event_received', (nsp, id) => id === chat.id);
    assert.deepEqual(received, ['public_message', text]);
    const [, , sent] = await got(a, 'event_sent', (nsp, id, args) => id === chat.id && args[0] === 'public_message');
    assert.equal(sent[1].message, text);
    const ack = await chat.timeout(5000).emitWithAck('join_room', { recipientId: peer.user.id });
    await got(a, 'room_joined', (nsp, room, id) => room === ack.room && id === chat.id);
    const id = chat.id;
    chat.close();
    const [, , reason] = await got(a, 'socket_disconnected', (nsp, sid) => sid === id);
    assert.equal(reason, 'client namespace disconnect');
    // Every room it was in is left, so the UI's room list stays right.
    await got(a, 'room_left', (nsp, room, sid) => room === ack.room && sid === id);
    await got(a, 'room_left', (nsp, room, sid) => room === 'public_room' && sid === id);
  } finally {
    chat.close();
    a.close();
  }
});

test('an upgrade from polling is reported as socket_updated', async () => {
  const a = await login();
  const u = await registerAndLogin(server);
  const chat = await connect(server, u.token, 'upgraded');
  try {
    const [update] = await got(a, 'socket_updated', (s) => s.id === chat.id);
    assert.deepEqual(update, { id: chat.id, nsp: '/chat', transport: 'websocket' });
  } finally {
    chat.close();
    a.close();
  }
});

test('the commands: emit, join, leave and _disconnect, by socket id or room', async () => {
  const a = await login();
  const u = await registerAndLogin(server);
  const chat = await connect(server, u.token);
  try {
    a.emit('emit', '/chat', chat.id, 'notice', { from: 'admin' });
    await waitFor(() => eventsOf(chat, 'notice').length === 1, 'notice');
    assert.deepEqual(eventsOf(chat, 'notice')[0], { from: 'admin' });
    a.emit('join', '/chat', 'support', chat.id);
    await got(a, 'room_joined', (nsp, room, id) => room === 'support' && id === chat.id);
    a.emit('emit', '/chat', 'support', 'notice', 'to the room');
    await waitFor(() => eventsOf(chat, 'notice').length === 2, 'room notice');
    a.emit('leave', '/chat', 'support', chat.id);
    await got(a, 'room_left', (nsp, room, id) => room === 'support' && id === chat.id);
    a.emit('emit', '/chat', 'support', 'notice', 'nobody hears this');
    // Rooms by the room, not only by socket id: every socket of user:<id> joins.
    a.emit('join', '/chat', `user-${u.user.id}-team`, `user:${u.user.id}`);
    await got(a, 'room_joined', (nsp, room, id) => room === `user-${u.user.id}-team` && id === chat.id);
    assert.equal(eventsOf(chat, 'notice').length, 2);
    // An unknown namespace or malformed arguments change nothing.
    a.emit('_disconnect', '/nowhere', false);
    a.emit('join', 42, 'x');
    a.emit('emit', '/chat');
    const ended = new Promise((resolve) => chat.once('disconnect', resolve));
    a.emit('_disconnect', '/chat', false, chat.id);
    assert.equal(await ended, 'io server disconnect');
    assert.ok(a.connected);
  } finally {
    chat.close();
    a.close();
  }
});

test('read-only: no commands are offered or obeyed', async () => {
  const ro = await startChatd({ env: { ADMIN_UI_PASSWORD: PASSWORD, ADMIN_UI_READONLY: '1' } });
  try {
    const a = await admin(ro, { username: 'admin', password: PASSWORD });
    const [config] = await got(a, 'config');
    assert.deepEqual(config.supportedFeatures, ['AGGREGATED_EVENTS', 'ALL_EVENTS']);
    const u = await registerAndLogin(ro);
    const chat = await connect(ro, u.token);
    a.emit('_disconnect', '/chat', true, chat.id);
    a.emit('emit', '/chat', chat.id, 'notice', 1);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(chat.connected);
    assert.equal(eventsOf(chat, 'notice').length, 0);
    chat.close();
    a.close();
  } finally {
    await ro.cleanup();
  }
});

test('production mode: server stats and counts only, no socket list or per-socket reports', async () => {
  const prod = await startChatd({ env: { ADMIN_UI_PASSWORD: PASSWORD, ADMIN_UI_MODE: 'production' } });
  try {
    const a = await admin(prod, { username: 'admin', password: PASSWORD }, ['websocket']);
    const [config] = await got(a, 'config');
    assert.ok(!config.supportedFeatures.includes('ALL_EVENTS'));
    const u = await registerAndLogin(prod);
    const chat = await connect(prod, u.token);
    await chat.timeout(5000).emitWithAck('public_message', 'quiet');
    await got(a, 'server_stats', (s) => s.namespaces.some((n) => n.name === '/chat' && n.socketsCount === 1));
    // The chat message came in as a packet, counted in some stats since.
    await got(a, 'server_stats', (s) => s.aggregatedEvents.some((e) => e.type === 'packetsIn'));
    const reported = a.received.map((r) => r.event);
    for (const e of ['all_sockets', 'socket_connected', 'event_received', 'event_sent', 'room_joined'])
      assert.ok(!reported.includes(e), `${e} in production mode`);
    chat.close();
    a.close();
  } finally {
    await prod.cleanup();
  }
});
