// A namespace's room setup (Namespace::set_room_setup), through the conformance namespace
// /setup: rooms read from a stand-in for a database while joins and leaves of those rooms are
// applied to "members" from elsewhere, as /chat reads a user's groups while members are added
// and removed (issue 16). The setup is paused on a gate, so every step happens in a known order:
// a change made while a socket's setup runs is applied after what the setup read and wins over
// it; the client hears CONNECT only once its rooms are set, and what was broadcast to it
// meanwhile after that; a setup that refuses gives connect_error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { startConformance, connect, once, request, sleep } from './helpers.mjs';

let server;
let control;
const sockets = [];
before(async () => {
  server = await startConformance();
  control = await connect(server.url + '/setup', { transports: ['websocket'] });
  sockets.push(control);
});
after(async () => {
  for (const s of sockets) s.disconnect();
  await server.cleanup();
});

const roomsOf = async (socket) => (await request(socket, 'rooms'))[0].filter((r) => r !== socket.id).sort();

test('changes made during the setup are applied after what it read; CONNECT and held broadcasts follow', async () => {
  await request(control, 'change', 'join', 'stays');
  await request(control, 'change', 'join', 'removed');
  await request(control, 'gate', false);
  const waiting = once(control, 'waiting');
  const socket = io(server.url + '/setup', { forceNew: true, reconnection: false, transports: ['websocket'], auth: { wait: true } });
  sockets.push(socket);
  const events = [];
  socket.on('connect', () => events.push('connect'));
  socket.onAny((event, ...args) => events.push([event, ...args]));
  await waiting; // its setup read {stays, removed} and waits at the gate
  await request(control, 'change', 'leave', 'removed');
  await request(control, 'change', 'join', 'added');
  await request(control, 'change', 'join', 'added then removed');
  await request(control, 'change', 'leave', 'added then removed');
  control.emit('broadcast', 'members', 'during the setup');
  await sleep(200);
  assert.deepEqual(events, [], 'no CONNECT, nothing delivered while the setup runs');
  await request(control, 'gate', true);
  await once(socket, 'connect');
  await sleep(100);
  // Its own "waiting" too: it was in "members" already.
  assert.deepEqual(events, ['connect', ['waiting'], ['broadcast', 'during the setup']]);
  assert.deepEqual(await roomsOf(socket), ['added', 'members', 'stays']);
  // Afterwards a change reaches it at once, as it reaches every member.
  await request(control, 'change', 'leave', 'stays');
  assert.deepEqual(await roomsOf(socket), ['added', 'members']);
  assert.deepEqual(await roomsOf(control), ['added', 'members']);
});

test('a setup that refuses the connection: connect_error, and the connection may CONNECT again', async () => {
  await request(control, 'gate', true);
  const socket = io(server.url + '/setup', { forceNew: true, reconnection: false, transports: ['websocket'], auth: { refuse: true } });
  sockets.push(socket);
  const [err] = await once(socket, 'connect_error');
  assert.equal(err.message, 'refused by the room setup');
  assert.equal(socket.connected, false);
  socket.auth = {};
  socket.connect();
  await once(socket, 'connect');
  assert.deepEqual(await roomsOf(socket), ['added', 'members']);
});
