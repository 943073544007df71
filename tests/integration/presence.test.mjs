// Presence on one node: `presence {userId, online}` when a user's first device connects and when
// the last one leaves, and GET /api/users/online listing users with a connected device.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, presenceOf, waitFor } from '../lib/chat-socket.mjs';
import { startChatd, api, registerAndLogin } from '../lib/chatd.mjs';

let server;
before(async () => {
  server = await startChatd();
});
after(async () => server.cleanup());

test('first device in and last device out are announced; GET /api/users/online follows', async () => {
  const watcher = await registerAndLogin(server);
  const ann = await registerAndLogin(server);
  const w = await connect(server, watcher.token);
  const online = async () =>
    (await api(server, 'GET', '/api/users/online', { token: watcher.token })).body.data.map((u) => u.id);
  assert.deepEqual(await online(), [watcher.user.id]);

  const phone = await connect(server, ann.token);
  const laptop = await connect(server, ann.token, 'polling');
  await waitFor(() => presenceOf(w, ann.user.id).length === 1, 'online event');
  const res = await api(server, 'GET', '/api/users/online', { token: watcher.token });
  assert.equal(res.status, 200);
  assert.equal(res.body.success, true);
  assert.deepEqual(res.body.data.find((u) => u.id === ann.user.id), { id: ann.user.id, username: ann.user.username });

  phone.close();
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(presenceOf(w, ann.user.id), [true], 'a second device keeps the user online');
  assert.ok((await online()).includes(ann.user.id));

  laptop.close();
  await waitFor(() => presenceOf(w, ann.user.id).length === 2, 'offline event');
  assert.deepEqual(presenceOf(w, ann.user.id), [true, false]);
  assert.deepEqual(await online(), [watcher.user.id]);
  assert.equal((await api(server, 'GET', '/api/users/online')).status, 401);
  w.close();
});

test('GET /api/users/:userId/presence counts devices; only the user sees their own rooms', async () => {
  const alice = await registerAndLogin(server);
  const bob = await registerAndLogin(server);
  const presence = (id, token) => api(server, 'GET', `/api/users/${id}/presence`, { token });

  let res = await presence(bob.user.id, alice.token);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.data, { userId: bob.user.id, online: false, devices: 0 });

  const b1 = await connect(server, bob.token);
  const b2 = await connect(server, bob.token, 'polling');
  res = await presence(bob.user.id, alice.token);
  assert.deepEqual(res.body.data, { userId: bob.user.id, online: true, devices: 2 }, 'no rooms for others');

  const joined = await b1.emitWithAck('join_room', { recipientId: alice.user.id });
  res = await presence(bob.user.id, bob.token);
  assert.equal(res.body.data.devices, 2);
  assert.deepEqual(
    [...res.body.data.rooms].sort(),
    [joined.room, 'public_room', `user:${bob.user.id}`].sort(),
    'the rooms of every device, without the sockets\' own rooms',
  );

  b1.close();
  b2.close();
  await waitFor(async () => (await presence(bob.user.id, alice.token)).body.data.devices === 0, 'devices gone', 5000, 50);
  assert.equal((await presence('abc', alice.token)).status, 400);
  assert.equal((await presence(bob.user.id)).status, 401);
});

test('/ready says Redis is off on a single node', async () => {
  const res = await api(server, 'GET', '/ready');
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'ready');
  assert.equal(res.body.redis, 'off');
});
