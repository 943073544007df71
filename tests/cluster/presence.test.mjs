// Presence across three nodes: `presence {userId, online}` goes to the users who share a private
// conversation with the user and to the sockets that subscribed to them, on every node, exactly
// once when a user's first device connects anywhere and when the last one leaves everywhere,
// coalesced over PRESENCE_COALESCE_MS across nodes (a reload that lands on another node
// announces nothing); nobody else hears it. GET /api/users/online on any node lists users with a
// device on any node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, eventsOf, waitFor } from '../lib/chat-socket.mjs';
import { api, registerAndLogin } from '../lib/chatd.mjs';
import { startCluster, presenceOf, onlineIds, sleep, until } from '../lib/cluster.mjs';

const QUIET = 800; // PRESENCE_COALESCE_MS (300) and the way across Redis, with room to spare

let cluster;
let watchers = []; // node 1: a subscriber; node 2: a peer; node 3: a stranger
let watcherUsers = [];
const sockets = [];
before(async () => {
  cluster = await startCluster({ nodes: 3, name: import.meta.filename });
  watcherUsers = await Promise.all(cluster.nodes.map((node) => registerAndLogin(node)));
  for (const [i, node] of cluster.nodes.entries()) {
    const s = await connect(node, watcherUsers[i].token);
    sockets.push(s);
    watchers.push(s);
  }
});

after(async () => {
  for (const s of sockets) s.close();
  await cluster?.cleanup();
});

// Every node's GET /api/users/online, as lists of ids.
const onlineEverywhere = (token) => Promise.all(cluster.nodes.map((n) => onlineIds(n, token)));

async function expectOnlineEverywhere(token, userId, online, what) {
  await until(async () => {
    const lists = await onlineEverywhere(token);
    return lists.every((ids) => ids.includes(userId) === online);
  }, what, 5000).catch(async (err) => {
    const lists = await onlineEverywhere(token);
    assert.fail(`${err.message}: GET /api/users/online per node: ${JSON.stringify(lists)}`);
  });
}

test('the watchers on the three nodes see each other online on every node', async () => {
  const token = watcherUsers[0].token;
  const ids = watcherUsers.map((w) => w.user.id).sort((a, b) => a - b);
  await until(async () => (await onlineEverywhere(token)).every((l) => ids.every((id) => l.includes(id))), 'watchers online', 5000)
    .catch(async (err) => assert.fail(`${err.message}: ${JSON.stringify(await onlineEverywhere(token))}`));
  for (const list of await onlineEverywhere(token)) assert.deepEqual(list, ids);
});

// A fresh user whom watcher 1 subscribed to (from node 1) and watcher 2 shares a conversation
// with (a message sent through node 3 from another device of watcher 2), before the user's
// first device connects.
async function subject(node = cluster.nodes[0]) {
  const u = await registerAndLogin(node);
  const ack = await watchers[0].timeout(5000).emitWithAck('presence_subscribe', { userIds: [u.user.id] });
  assert.deepEqual(ack, { online: [] });
  const other = await connect(cluster.nodes[2], watcherUsers[1].token);
  const sent = await other.timeout(5000).emitWithAck('private_message', { recipientId: u.user.id, message: 'hello' });
  assert.equal(typeof sent.id, 'number');
  other.close();
  return u;
}

// The subscriber and the peer heard exactly `flags` about the user; the stranger nothing.
function expectHeard(id, flags, what) {
  assert.deepEqual(presenceOf(watchers[0], id), flags, `subscriber: ${what}`);
  assert.deepEqual(presenceOf(watchers[1], id), flags, `peer: ${what}`);
  assert.deepEqual(presenceOf(watchers[2], id), [], `stranger: ${what}`);
}
const heardBoth = (id, n) => presenceOf(watchers[0], id).length >= n && presenceOf(watchers[1], id).length >= n;

test('first device on node 2 → one online event to the subscriber and the peer on other nodes; more devices on nodes 3 and 1 → none', async () => {
  const ann = await subject();
  const id = ann.user.id;
  const phone = await connect(cluster.nodes[1], ann.token);
  sockets.push(phone);
  await waitFor(() => heardBoth(id, 1), 'online event');
  await expectOnlineEverywhere(watcherUsers[2].token, id, true, 'ann online on every node');

  const laptop = await connect(cluster.nodes[2], ann.token, 'polling-only');
  const tablet = await connect(cluster.nodes[0], ann.token);
  sockets.push(laptop, tablet);
  await sleep(QUIET);
  expectHeard(id, [true], 'one online event');

  // Leaving devices one by one: the user stays online while any device is connected anywhere.
  phone.close();
  await sleep(QUIET);
  tablet.close();
  await sleep(QUIET);
  expectHeard(id, [true], 'still online (laptop on node 3)');
  for (const list of await onlineEverywhere(watcherUsers[0].token)) assert.ok(list.includes(id));

  laptop.close();
  await waitFor(() => heardBoth(id, 2), 'offline event');
  await sleep(QUIET);
  expectHeard(id, [true, false], 'one offline event');
  await expectOnlineEverywhere(watcherUsers[1].token, id, false, 'ann offline on every node');
  assert.deepEqual(eventsOf(watchers[2], 'presence'), [], 'the stranger heard nothing at all');
});

test('the same user coming back: online again, once', async () => {
  const bo = await subject(cluster.nodes[2]);
  const id = bo.user.id;
  for (let round = 1; round <= 2; round++) {
    const s = await connect(cluster.nodes[round], bo.token);
    sockets.push(s);
    await waitFor(() => heardBoth(id, 2 * round - 1), `online round ${round}`);
    s.close();
    await waitFor(() => heardBoth(id, 2 * round), `offline round ${round}`);
  }
  await sleep(QUIET);
  expectHeard(id, [true, false, true, false], 'two rounds');
});

test('devices connecting at the same moment on two nodes: exactly one online event; leaving at once: exactly one offline', async () => {
  for (let round = 0; round < 3; round++) {
    const cy = await subject();
    const id = cy.user.id;
    const pair = await Promise.all([connect(cluster.nodes[0], cy.token), connect(cluster.nodes[2], cy.token)]);
    sockets.push(...pair);
    await waitFor(() => heardBoth(id, 1), 'online event');
    await expectOnlineEverywhere(watcherUsers[0].token, id, true, 'online on every node');
    await sleep(QUIET);
    expectHeard(id, [true], `round ${round}: one online event`);

    for (const s of pair) s.close();
    await waitFor(() => heardBoth(id, 2), 'offline event');
    await sleep(QUIET);
    expectHeard(id, [true, false], `round ${round}: one offline event`);
    await expectOnlineEverywhere(watcherUsers[0].token, id, false, 'offline on every node');
  }
});

test('a reload that lands on another node within the window announces nothing; a quick visit neither', async () => {
  const dee = await subject();
  const id = dee.user.id;
  let s = await connect(cluster.nodes[0], dee.token);
  await waitFor(() => heardBoth(id, 1), 'online');
  await sleep(QUIET);
  // Offline on node 1 and online on node 2 within the window: two transitions, settled as one
  // unchanged state, whichever node settles last.
  s.close();
  s = await connect(cluster.nodes[1], dee.token);
  await sleep(2 * QUIET);
  expectHeard(id, [true], 'no event for the reload');
  s.close();
  await waitFor(() => heardBoth(id, 2), 'offline');

  // In on node 3 and out again at once: nothing.
  const visit = await connect(cluster.nodes[2], dee.token);
  visit.close();
  await sleep(2 * QUIET);
  expectHeard(id, [true, false], 'no event for the visit');
});

test('a subscription on any node starts from what was announced, and unsubscribing stops the events', async () => {
  const eve = await registerAndLogin(cluster.nodes[1]);
  const id = eve.user.id;
  const s = await connect(cluster.nodes[1], eve.token);
  sockets.push(s);
  await sleep(QUIET);
  const late = await connect(cluster.nodes[2], watcherUsers[2].token); // the stranger's second device
  sockets.push(late);
  assert.deepEqual(await late.timeout(5000).emitWithAck('presence_subscribe', { userIds: [id, 424242] }), { online: [id] });
  s.close();
  await waitFor(() => presenceOf(late, id).length === 1, 'offline heard by the late subscriber on node 3');
  assert.deepEqual(presenceOf(late, id), [false]);
  assert.deepEqual(await late.timeout(5000).emitWithAck('presence_unsubscribe', { userIds: [id] }), { subscriptions: 1 });
  const again = await connect(cluster.nodes[0], eve.token);
  sockets.push(again);
  await sleep(QUIET);
  assert.deepEqual(presenceOf(late, id), [false], 'nothing after unsubscribing');
  assert.deepEqual(presenceOf(watchers[2], id), [], 'nor on the stranger\'s other device');
});

test('a watcher connected later is listed, and the earlier users are still listed, on every node', async () => {
  const late = await registerAndLogin(cluster.nodes[1]);
  const s = await connect(cluster.nodes[1], late.token, 'upgrade');
  sockets.push(s);
  await expectOnlineEverywhere(late.token, late.user.id, true, 'late user online everywhere');
  const lists = await onlineEverywhere(late.token);
  for (const list of lists) for (const w of watcherUsers) assert.ok(list.includes(w.user.id));
  assert.deepEqual(lists[0], lists[1]);
  assert.deepEqual(lists[1], lists[2]);
  // Nobody follows the watchers: no events about them at all.
  for (const w of watchers) for (const u of watcherUsers) assert.deepEqual(presenceOf(w, u.user.id), []);
});

test('GET /api/users/:id/presence on any node counts the devices on every node; the user sees their rooms', async () => {
  const pat = await registerAndLogin(cluster.nodes[0]);
  const id = pat.user.id;
  const devices = [
    await connect(cluster.nodes[0], pat.token),
    await connect(cluster.nodes[0], pat.token, 'upgrade'),
    await connect(cluster.nodes[2], pat.token, 'polling-only'),
  ];
  sockets.push(...devices);
  const peer = watcherUsers[1].user.id;
  const { room } = await devices[2].timeout(5000).emitWithAck('join_room', { recipientId: peer });
  const presenceAt = (node, token) => api(node, 'GET', `/api/users/${id}/presence`, { token });
  for (const node of cluster.nodes) {
    const res = await presenceAt(node, watcherUsers[0].token);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.data.userId, id);
    assert.equal(res.body.data.online, true);
    assert.equal(res.body.data.devices, 3, `node ${node.index + 1} counts the devices on all nodes`);
    assert.equal(res.body.data.rooms, undefined, 'rooms are shown to the user only');
  }
  const own = await presenceAt(cluster.nodes[1], pat.token);
  assert.deepEqual([...own.body.data.rooms].sort(), ['public_room', room, `user:${id}`].sort());

  devices[2].close();
  await until(async () => (await presenceAt(cluster.nodes[1], pat.token)).body.data.devices === 2, 'two devices left', 3000);
  const left = await presenceAt(cluster.nodes[1], pat.token);
  assert.deepEqual([...left.body.data.rooms].sort(), ['public_room', `user:${id}`].sort(), 'the pair room was only on node 3');
  devices[0].close();
  devices[1].close();
  await until(async () => (await presenceAt(cluster.nodes[2], watcherUsers[0].token)).body.data.online === false, 'offline', 3000);
  assert.equal((await presenceAt(cluster.nodes[2], watcherUsers[0].token)).body.data.devices, 0);
});
