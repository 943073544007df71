// Presence on one node: `presence {userId, online}` when a user's first device connects and when
// the last one leaves, sent to the users who share a private conversation with them and to the
// sockets that subscribed (presence_subscribe), coalesced over PRESENCE_COALESCE_MS; and
// GET /api/users/online listing users with a connected device.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, eventsOf, presenceOf, waitFor } from '../lib/chat-socket.mjs';
import { startChatd, api, registerAndLogin } from '../lib/chatd.mjs';

const WINDOW = 300; // PRESENCE_COALESCE_MS (the default)
const QUIET = WINDOW + 400; // long enough for a change that would be announced to arrive
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let server;
before(async () => {
  server = await startChatd();
});
after(async () => server.cleanup());

const subscribe = (s, userIds) => s.timeout(5000).emitWithAck('presence_subscribe', { userIds });
const unsubscribe = (s, userIds) => s.timeout(5000).emitWithAck('presence_unsubscribe', { userIds });

// Two users with a private conversation (a message from a to b).
async function converse(a, b) {
  const s = await connect(server, a.token);
  const ack = await s.timeout(5000).emitWithAck('private_message', { recipientId: b.user.id, message: 'hi' });
  assert.equal(typeof ack.id, 'number');
  s.close();
}

test('a peer with a conversation hears first device in and last device out; a stranger hears nothing', async () => {
  const [watcher, stranger, ann] = await Promise.all([1, 2, 3].map(() => registerAndLogin(server)));
  await converse(ann, watcher);
  const w = await connect(server, watcher.token);
  const other = await connect(server, stranger.token);
  const online = async () =>
    (await api(server, 'GET', '/api/users/online', { token: watcher.token })).body.data.map((u) => u.id);
  await waitFor(async () => !(await online()).includes(ann.user.id), 'ann offline after converse()');

  const phone = await connect(server, ann.token);
  const laptop = await connect(server, ann.token, 'polling');
  await waitFor(() => presenceOf(w, ann.user.id).length === 1, 'online event');
  const res = await api(server, 'GET', '/api/users/online', { token: watcher.token });
  assert.equal(res.status, 200);
  assert.equal(res.body.success, true);
  assert.deepEqual(res.body.data.find((u) => u.id === ann.user.id), { id: ann.user.id, username: ann.user.username });

  phone.close();
  await sleep(QUIET);
  assert.deepEqual(presenceOf(w, ann.user.id), [true], 'a second device keeps the user online');
  assert.ok((await online()).includes(ann.user.id));

  laptop.close();
  await waitFor(() => presenceOf(w, ann.user.id).length === 2, 'offline event');
  assert.deepEqual(presenceOf(w, ann.user.id), [true, false]);
  assert.ok(!(await online()).includes(ann.user.id));
  // The stranger shares no conversation with ann and did not subscribe: nothing at all.
  assert.deepEqual(eventsOf(other, 'presence'), []);
  // Nor does anyone hear about the watcher's and the stranger's own connections but the peer.
  assert.deepEqual(presenceOf(w, stranger.user.id), []);
  assert.equal((await api(server, 'GET', '/api/users/online')).status, 401);
  w.close();
  other.close();
});

test('presence_subscribe: the ack tells who is online now, then changes follow; presence_unsubscribe stops them', async () => {
  const [watcher, bo, cy, dee] = await Promise.all([1, 2, 3, 4].map(() => registerAndLogin(server)));
  const w = await connect(server, watcher.token);
  const b = await connect(server, bo.token);
  await sleep(QUIET);
  const ack = await subscribe(w, [bo.user.id, cy.user.id, String(dee.user.id), bo.user.id]);
  assert.deepEqual(ack, { online: [bo.user.id] });
  assert.deepEqual(eventsOf(w, 'presence'), [], 'nothing about before the subscription');

  const c = await connect(server, cy.token, 'polling-only');
  await waitFor(() => presenceOf(w, cy.user.id).length === 1, 'cy online');
  b.close();
  await waitFor(() => presenceOf(w, bo.user.id).length === 1, 'bo offline');
  assert.deepEqual(presenceOf(w, bo.user.id), [false]);
  assert.deepEqual(presenceOf(w, cy.user.id), [true]);

  assert.deepEqual(await unsubscribe(w, [cy.user.id, 424242]), { subscriptions: 2 });
  c.close();
  const d = await connect(server, dee.token);
  await waitFor(() => presenceOf(w, dee.user.id).length === 1, 'dee online (still subscribed)');
  await sleep(QUIET);
  assert.deepEqual(presenceOf(w, cy.user.id), [true], 'no offline event after unsubscribing');
  // Subscribing again answers from the current state.
  assert.deepEqual(await subscribe(w, [cy.user.id, dee.user.id]), { online: [dee.user.id] });
  d.close();
  w.close();
});

test('a socket that is both a peer and a subscriber hears each change once', async () => {
  const [watcher, eve] = await Promise.all([1, 2].map(() => registerAndLogin(server)));
  await converse(watcher, eve);
  const w = await connect(server, watcher.token);
  const w2 = await connect(server, watcher.token, 'polling-only'); // the watcher's second device
  await subscribe(w, [eve.user.id]);
  const e = await connect(server, eve.token);
  await waitFor(() => presenceOf(w, eve.user.id).length === 1 && presenceOf(w2, eve.user.id).length === 1, 'online on both devices');
  e.close();
  await waitFor(() => presenceOf(w, eve.user.id).length === 2, 'offline');
  await sleep(QUIET);
  assert.deepEqual(presenceOf(w, eve.user.id), [true, false]);
  assert.deepEqual(presenceOf(w2, eve.user.id), [true, false], 'every device of a peer hears it');
  w.close();
  w2.close();
});

test('changes within the coalescing window merge: a quick flap or a reconnect announces nothing', async () => {
  const [watcher, flo] = await Promise.all([1, 2].map(() => registerAndLogin(server)));
  const w = await connect(server, watcher.token);
  await subscribe(w, [flo.user.id]);

  // In and out again at once: nothing.
  const blip = await connect(server, flo.token);
  blip.close();
  await sleep(QUIET);
  assert.deepEqual(presenceOf(w, flo.user.id), []);

  // Online for good, then a page reload (out and back in at once): one online event only.
  let f = await connect(server, flo.token);
  await waitFor(() => presenceOf(w, flo.user.id).length === 1, 'online');
  f.close();
  f = await connect(server, flo.token);
  await sleep(QUIET);
  assert.deepEqual(presenceOf(w, flo.user.id), [true]);
  // A change does leave after the window, not at once.
  const at = Date.now();
  f.close();
  await waitFor(() => presenceOf(w, flo.user.id).length === 2, 'offline');
  assert.ok(Date.now() - at >= WINDOW - 50, `announced after ${Date.now() - at} ms`);
  w.close();
});

test('a conversation started while both are online: each hears the other leave', async () => {
  const [gus, hal] = await Promise.all([1, 2].map(() => registerAndLogin(server)));
  const g = await connect(server, gus.token);
  const h = await connect(server, hal.token);
  await sleep(QUIET); // both announced (to nobody) and their peers read: none yet
  const ack = await g.timeout(5000).emitWithAck('private_message', { recipientId: hal.user.id, message: 'first' });
  assert.equal(typeof ack.id, 'number');
  h.close();
  await waitFor(() => presenceOf(g, hal.user.id).length === 1, 'hal offline, heard by gus');
  assert.deepEqual(presenceOf(g, hal.user.id), [false]);
  g.close();
});

test('bad presence_subscribe / presence_unsubscribe payloads and the per-socket limit: exception and error ack', async () => {
  const ivy = await registerAndLogin(server);
  const s = await connect(server, ivy.token);
  await sleep(QUIET); // ivy announced online (the ack below answers from what was announced)
  const cases = [
    ['presence_subscribe', 'not an object', 'payload must be an object {userIds}'],
    ['presence_subscribe', {}, 'userIds must be an array of positive integers'],
    ['presence_subscribe', { userIds: 7 }, 'userIds must be an array of positive integers'],
    ['presence_subscribe', { userIds: [1, -2] }, 'userIds must be an array of positive integers'],
    ['presence_subscribe', { userIds: ['x'] }, 'userIds must be an array of positive integers'],
    ['presence_unsubscribe', { userIds: [0] }, 'userIds must be an array of positive integers'],
    ['presence_unsubscribe', null, 'payload must be an object {userIds}'],
    ['presence_subscribe', { userIds: Array.from({ length: 501 }, (_, i) => i + 1) }, 'userIds may name at most 500 users'],
  ];
  for (const [event, payload, message] of cases) {
    const ack = await s.timeout(5000).emitWithAck(event, payload);
    assert.deepEqual(ack, { status: 'error', message }, `${event} ${JSON.stringify(payload)}`.slice(0, 80));
  }
  await waitFor(() => eventsOf(s, 'exception').length === cases.length, 'one exception each');

  // 500 per socket, over several calls; subscribing again to the same ids costs nothing.
  const ids = (from, n) => Array.from({ length: n }, (_, i) => from + i);
  assert.deepEqual(await subscribe(s, ids(1_000_000, 300)), { online: [] });
  assert.deepEqual(await subscribe(s, ids(1_000_000, 300)), { online: [] });
  assert.deepEqual(await subscribe(s, ids(2_000_000, 200)), { online: [] });
  assert.deepEqual(await subscribe(s, [3_000_000]), {
    status: 'error',
    message: 'at most 500 presence subscriptions per socket',
  });
  assert.deepEqual(await unsubscribe(s, ids(2_000_000, 10)), { subscriptions: 490 });
  assert.deepEqual(await subscribe(s, [3_000_000, ivy.user.id]), { online: [ivy.user.id] });
  // Still a working socket.
  const ack = await s.timeout(5000).emitWithAck('public_message', 'still here');
  assert.equal(typeof ack.id, 'number');
  s.close();
});

test('PRESENCE_MAX_SUBSCRIPTIONS sets the per-socket limit and the most one call may name', async () => {
  const small = await startChatd({ env: { PRESENCE_MAX_SUBSCRIPTIONS: '3' } });
  try {
    const jo = await registerAndLogin(small);
    const s = await connect(small, jo.token);
    assert.deepEqual(await subscribe(s, [1_000_001, 1_000_002, 1_000_003, 1_000_004]), {
      status: 'error',
      message: 'userIds may name at most 3 users',
    });
    assert.deepEqual(await subscribe(s, [1_000_001, 1_000_002]), { online: [] });
    assert.deepEqual(await subscribe(s, [1_000_002, 1_000_003]), { online: [] });
    assert.deepEqual(await subscribe(s, [1_000_004]), {
      status: 'error',
      message: 'at most 3 presence subscriptions per socket',
    });
    assert.deepEqual(await unsubscribe(s, [1_000_001]), { subscriptions: 2 });
    assert.deepEqual(await subscribe(s, [1_000_004]), { online: [] });
    s.close();
  } finally {
    await small.cleanup();
  }
});

test('a connect storm: each user is announced to their peers and subscribers only, not to everyone', async () => {
  // 40 users in a ring of conversations (i with i+1), each socket also subscribed to the user
  // two places on. Namespace-wide presence would cost 40 × 39 deliveries; here each online
  // change reaches at most the 2 peers and 1 subscriber.
  const N = 40;
  const users = [];
  while (users.length < N) users.push(...(await Promise.all([1, 2, 3, 4].map(() => registerAndLogin(server))))); // HASH_QUEUE
  for (let i = 0; i < N; i++) await converse(users[i], users[(i + 1) % N]);
  await sleep(QUIET);
  const sockets = [];
  for (let i = 0; i < N; i++) {
    const s = await connect(server, users[i].token);
    sockets.push(s);
    await subscribe(s, [users[(i + 2) % N].user.id]);
  }
  const ids = users.map((u) => u.user.id);
  // Each socket hears its next peer come online (it connected later).
  await waitFor(() => sockets.every((s, i) => i === N - 1 || presenceOf(s, ids[i + 1]).length === 1), 'every next peer online', 10000);
  await sleep(QUIET);
  let deliveries = 0;
  for (let i = 0; i < N; i++) {
    const events = eventsOf(sockets[i], 'presence');
    deliveries += events.length;
    const about = new Set(events.map((p) => p.userId));
    const follows = new Set([ids[(i + 1) % N], ids[(i + N - 1) % N], ids[(i + 2) % N]]);
    for (const id of about) assert.ok(follows.has(id), `socket ${i} heard about user ${id}, whom it does not follow`);
    for (const p of events) assert.equal(p.online, true);
  }
  console.log(`# ${deliveries} presence deliveries for ${N} connects (namespace-wide: ${(N * (N - 1)) / 2})`);
  assert.ok(deliveries <= 3 * N, `${deliveries} presence deliveries for ${N} connects`);
  for (const s of sockets) s.close();
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

test('PRESENCE_COALESCE_MS=0 announces each change at once: a quick visit is two events', async () => {
  const quick = await startChatd({ env: { PRESENCE_COALESCE_MS: '0' } });
  try {
    const [watcher, visitor] = await Promise.all([registerAndLogin(quick), registerAndLogin(quick)]);
    const w = await connect(quick, watcher.token);
    assert.deepEqual(await w.timeout(5000).emitWithAck('presence_subscribe', { userIds: [visitor.user.id] }), { online: [] });
    const at = Date.now();
    const v = await connect(quick, visitor.token);
    await waitFor(() => presenceOf(w, visitor.user.id).length === 1, 'online');
    assert.ok(Date.now() - at < WINDOW, `announced after ${Date.now() - at} ms`);
    v.close();
    await waitFor(() => presenceOf(w, visitor.user.id).length === 2, 'offline');
    assert.deepEqual(presenceOf(w, visitor.user.id), [true, false]);
    w.close();
  } finally {
    await quick.cleanup();
  }
});

test('/ready says Redis is off on a single node', async () => {
  const res = await api(server, 'GET', '/ready');
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'ready');
  assert.equal(res.body.redis, 'off');
});
