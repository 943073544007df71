// Connection-state recovery with the official socket.io-client (docs/events.md, "Connection-state
// recovery"): the client needs nothing but reconnection (on by default); it sends back the pid
// of the CONNECT answer and the last string argument it received (the offset), and
// `socket.recovered` tells whether it got its session back. Messages missed meanwhile come in id
// order before anything newer; a forged or foreign pid, an old session or too many missed
// messages give a new session instead. Runs on SQLite and PostgreSQL (TEST_DATABASE).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { api, freePort, registerAndLogin } from '../lib/chatd.mjs';
import { connect, cutAndAwaitReconnect, sendPublic, storedIds, testScope, waitFor } from '../lib/chat-socket.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const scope = testScope();
const { start, client, track } = scope;
after(() => scope.cleanup());

test('the CONNECT answer carries a pid, and the client keeps the last offset it got', async () => {
  const server = await start();
  const a = await registerAndLogin(server);
  const b = await registerAndLogin(server);
  const sa = await client(server, a.token);
  const sb = await client(server, b.token);
  assert.equal(typeof sa._pid, 'string', 'the client kept a pid from the CONNECT answer');
  assert.equal(sa.recovered, false, 'a first connection is not a recovery');
  const pub = await sendPublic(sb, 'hello');
  const priv = await sb.timeout(5000).emitWithAck('private_message', { recipientId: a.user.id, message: 'psst' });
  await waitFor(() => storedIds(sa).length === 2, 'both messages at A');
  assert.deepEqual(storedIds(sa), [pub.id, priv.id]);
  assert.equal(sa._lastOffset, String(priv.id), 'the client keeps the last offset it got');
});

test('transport killed: recovered, same socket id, missed messages in order before live ones', async () => {
  const server = await start();
  const a = await registerAndLogin(server);
  const b = await registerAndLogin(server);
  const sa = await client(server, a.token, 800);
  const sb = await client(server, b.token);
  const first = await sendPublic(sb, 'before');
  await waitFor(() => storedIds(sa).includes(first.id), 'the first message at A');
  const oldId = sa.id;

  const back = cutAndAwaitReconnect(sa);
  await waitFor(() => !sa.connected, 'A disconnected');
  const missed = [];
  for (let i = 0; i < 5; i++) missed.push((await sendPublic(sb, `missed ${i}`)).id);
  missed.push((await sb.timeout(5000).emitWithAck('private_message', { recipientId: a.user.id, message: 'missed private' })).id);
  await back;
  assert.equal(sa.recovered, true, 'socket.recovered');
  assert.equal(sa.id, oldId, 'the same socket id');
  const live = await sendPublic(sb, 'live');
  await waitFor(() => storedIds(sa).includes(live.id), 'the live message at A');
  assert.deepEqual(storedIds(sa), [first.id, ...missed, live.id], 'each once, in id order, the missed ones first');
  // Its rooms are back: a private message to A reaches it, and A can send.
  const again = await sb.timeout(5000).emitWithAck('private_message', { recipientId: a.user.id, message: 'after' });
  await waitFor(() => storedIds(sa).includes(again.id), 'private message after recovery');
  await sendPublic(sa, 'A is back');
});

test('a joined pair room comes back; what the socket sent itself is not replayed to it', async () => {
  const server = await start();
  const a = await registerAndLogin(server);
  const b = await registerAndLogin(server);
  const sa = await client(server, a.token, 800);
  const sb = await client(server, b.token);
  const joined = await sa.timeout(5000).emitWithAck('join_room', { recipientId: b.user.id });
  const own = await sa.timeout(5000).emitWithAck('private_message', { recipientId: b.user.id, message: 'mine' });
  assert.equal(typeof own.id, 'number');
  const back = cutAndAwaitReconnect(sa);
  await waitFor(() => !sa.connected, 'A disconnected');
  const theirs = await sb.timeout(5000).emitWithAck('private_message', { recipientId: a.user.id, message: 'theirs' });
  await back;
  assert.equal(sa.recovered, true);
  await waitFor(() => storedIds(sa).includes(theirs.id), 'the missed private message');
  assert.ok(!storedIds(sa).includes(own.id), 'its own private message is not echoed, live or replayed');
  // The server lists the pair room among the rooms of A's (only) device again.
  const presence = await api(server, 'GET', `/api/users/${a.user.id}/presence`, { token: a.token });
  assert.equal(presence.status, 200, presence.text);
  assert.equal(presence.body.data.devices, 1);
  assert.ok(presence.body.data.rooms.includes(joined.room), JSON.stringify(presence.body.data));
});

test('chatd killed with SIGKILL and restarted: recovered, same id, missed messages in order, then live', async () => {
  const port = await freePort();
  const server = await start({}, { port });
  const a = await registerAndLogin(server);
  const b = await registerAndLogin(server);
  const sa = await client(server, a.token, 1500);
  const sb = await client(server, b.token, 100);
  const first = await sendPublic(sb, 'before the crash');
  await waitFor(() => storedIds(sa).includes(first.id), 'the first message at A');
  const oldId = sa.id;
  const aBack = new Promise((resolve) => sa.once('connect', resolve));
  const bBack = new Promise((resolve) => sb.once('connect', resolve));

  await server.stop('SIGKILL');
  const restarted = await start({}, { port, dataDir: server.dataDir, database: server.databaseUrl });
  await bBack; // B reconnects first (shorter delay) and sends what A misses
  const missed = [];
  for (let i = 0; i < 4; i++) missed.push((await sendPublic(sb, `while A is away ${i}`)).id);
  await aBack;
  assert.equal(sa.recovered, true, 'recovered after a SIGKILL and restart');
  assert.equal(sa.id, oldId);
  const live = await sendPublic(sb, 'live after the restart');
  await waitFor(() => storedIds(sa).includes(live.id), 'the live message');
  assert.deepEqual(storedIds(sa), [first.id, ...missed, live.id]);
  assert.ok(restarted.url === server.url);
});

test('SIGKILL and restart: a client that comes back before anything new is sent gets what it missed before the crash', async () => {
  const port = await freePort();
  const server = await start({}, { port });
  const a = await registerAndLogin(server);
  const b = await registerAndLogin(server);
  const sa = await client(server, a.token);
  const sb = await connect(server, b.token); // never reconnects: nothing new after the restart
  track(sb);
  const first = await sendPublic(sb, 'before');
  await waitFor(() => storedIds(sa).includes(first.id), 'the first message at A');
  const oldId = sa.id;
  // A loses its connection and stays away (its app reconnects it later) while B sends.
  sa.io.reconnection(false);
  sa.io.engine.close();
  await waitFor(() => !sa.connected, 'A disconnected');
  const missed = [];
  for (let i = 0; i < 3; i++) missed.push((await sendPublic(sb, `missed ${i}`)).id);
  await server.stop('SIGKILL');
  await start({}, { port, dataDir: server.dataDir, database: server.databaseUrl });
  // The restarted node has delivered nothing yet when A comes back.
  const back = new Promise((resolve) => sa.once('connect', resolve));
  sa.connect();
  await back;
  assert.equal(sa.recovered, true, 'recovered by the restarted node');
  assert.equal(sa.id, oldId);
  await waitFor(() => missed.every((id) => storedIds(sa).includes(id)), 'what A missed before the crash', 3000);
  assert.deepEqual(storedIds(sa), [first.id, ...missed]);
});

test('a forged pid, or another user\'s, is not recovered; the token is still required', async () => {
  const server = await start();
  const a = await registerAndLogin(server);
  const b = await registerAndLogin(server);
  const sa = await client(server, a.token);
  const sb = await client(server, b.token);
  await sendPublic(sb, 'so that both have an offset');
  await waitFor(() => sa._lastOffset && sb._lastOffset, 'offsets');

  // Forged: one character changed.
  const real = sa._pid;
  sa._pid = real.slice(0, -2) + (real.at(-2) === 'A' ? 'B' : 'A') + real.at(-1);
  const forgedId = sa.id;
  await cutAndAwaitReconnect(sa);
  assert.equal(sa.recovered, false, 'a forged pid is not recovered');
  assert.notEqual(sa.id, forgedId, 'a new socket id');
  assert.notEqual(sa._pid, real, 'a new pid');

  // B's pid with A's token: not recovered, and A does not get B's id nor B's private messages.
  const c = await registerAndLogin(server);
  const sc = await client(server, c.token);
  sa._pid = sb._pid;
  sa._lastOffset = sb._lastOffset;
  await cutAndAwaitReconnect(sa);
  assert.equal(sa.recovered, false, "another user's pid is not recovered");
  assert.notEqual(sa.id, sb.id);
  const secret = await sc.timeout(5000).emitWithAck('private_message', { recipientId: b.user.id, message: 'for B only' });
  await waitFor(() => storedIds(sb).includes(secret.id), 'B gets its message');
  await sleep(200);
  assert.ok(!storedIds(sa).includes(secret.id), "A never sees B's private message");

  // A pid without a token: refused as any connection without one.
  const bare = io(server.url + '/chat', {
    forceNew: true,
    reconnection: false,
    transports: ['websocket'],
    auth: { pid: sb._pid, offset: sb._lastOffset },
  });
  track(bare);
  const err = await new Promise((resolve) => bare.once('connect_error', resolve));
  assert.equal(err.message, 'Unauthorized');
});

test('beyond RECOVERY_WINDOW_SECONDS: not recovered (a new session that gets live messages)', async () => {
  const server = await start({ RECOVERY_WINDOW_SECONDS: '1' });
  const a = await registerAndLogin(server);
  const b = await registerAndLogin(server);
  const sa = await client(server, a.token, 2500);
  const sb = await client(server, b.token);
  const first = await sendPublic(sb, 'before');
  await waitFor(() => storedIds(sa).includes(first.id), 'first');
  const oldId = sa.id;
  const back = cutAndAwaitReconnect(sa);
  await waitFor(() => !sa.connected, 'A disconnected');
  const missed = await sendPublic(sb, 'missed');
  await back;
  assert.equal(sa.recovered, false, 'the window has passed');
  assert.notEqual(sa.id, oldId);
  const live = await sendPublic(sb, 'live');
  await waitFor(() => storedIds(sa).includes(live.id), 'live message on the new session');
  assert.ok(!storedIds(sa).includes(missed.id), 'nothing is replayed to a new session');
});

test('RECOVERY_WINDOW_SECONDS=0: no pid, nothing recovered', async () => {
  const server = await start({ RECOVERY_WINDOW_SECONDS: '0' });
  const a = await registerAndLogin(server);
  const sa = await client(server, a.token);
  assert.equal(sa._pid, undefined, 'no pid in the CONNECT answer');
  await cutAndAwaitReconnect(sa);
  assert.ok(!sa.recovered, 'not recovered');
});

test('more missed messages than RECOVERY_MAX_MESSAGES: not recovered; up to it: recovered', async () => {
  const server = await start({ RECOVERY_MAX_MESSAGES: '3' });
  const a = await registerAndLogin(server);
  const b = await registerAndLogin(server);
  const sa = await client(server, a.token, 800);
  const sb = await client(server, b.token);
  await waitFor(() => sa.connected, 'A');

  // Exactly the cap: recovered, all three replayed.
  let back = cutAndAwaitReconnect(sa);
  await waitFor(() => !sa.connected, 'A disconnected');
  const three = [];
  for (let i = 0; i < 3; i++) three.push((await sendPublic(sb, `three ${i}`)).id);
  await back;
  assert.equal(sa.recovered, true, 'three missed, cap three');
  await waitFor(() => three.every((id) => storedIds(sa).includes(id)), 'the three');

  // One more than the cap: not recovered, and the client is told so (it refetches history).
  const pid = sa._pid;
  back = cutAndAwaitReconnect(sa);
  await waitFor(() => !sa.connected, 'A disconnected');
  const four = [];
  for (let i = 0; i < 4; i++) four.push((await sendPublic(sb, `four ${i}`)).id);
  await back;
  assert.equal(sa.recovered, false, 'four missed, cap three');
  assert.notEqual(sa._pid, pid, 'a new pid');
  const live = await sendPublic(sb, 'live');
  await waitFor(() => storedIds(sa).includes(live.id), 'live message after the refusal');
  assert.ok(four.every((id) => !storedIds(sa).includes(id)), 'none of the four is replayed');
  const ids = storedIds(sa);
  assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'still in id order');
});

