// Presence on one node: `presence {userId, online}` when a user's first device connects and when
// the last one leaves, and GET /api/users/online listing users with a connected device.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, waitFor } from '../lib/chat-socket.mjs';
import { startChatd, api, registerAndLogin } from '../lib/chatd.mjs';

let server;
before(async () => {
  server = await startChatd();
});
after(async () => server.cleanup());

const presenceOf = (socket, userId) =>
  socket.received.filter((r) => r.event === 'presence' && r.args[0].userId === userId).map((r) => r.args[0].online);

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
