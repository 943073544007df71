// Presence across three nodes: `presence {userId, online}` goes to everyone on /chat, on every
// node, exactly once when a user's first device connects anywhere and when the last one leaves
// everywhere; GET /api/users/online on any node lists users with a device on any node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, waitFor } from '../lib/chat-socket.mjs';
import { api, registerAndLogin } from '../lib/chatd.mjs';
import { startCluster, presenceOf, onlineIds, sleep, until } from '../lib/cluster.mjs';

const QUIET = 400;

let cluster;
let watchers = []; // one watching socket per node
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

test('first device on node 2 → one online event on every node; more devices on nodes 3 and 1 → none', async () => {
  const ann = await registerAndLogin(cluster.nodes[0]);
  const id = ann.user.id;
  const phone = await connect(cluster.nodes[1], ann.token);
  sockets.push(phone);
  await waitFor(() => watchers.every((w) => presenceOf(w, id).length >= 1), 'online event on every node');
  await expectOnlineEverywhere(watcherUsers[2].token, id, true, 'ann online on every node');

  const laptop = await connect(cluster.nodes[2], ann.token, 'polling-only');
  const tablet = await connect(cluster.nodes[0], ann.token);
  sockets.push(laptop, tablet);
  await sleep(QUIET);
  for (const w of watchers) assert.deepEqual(presenceOf(w, id), [true], 'one online event per watcher');

  // Leaving devices one by one: the user stays online while any device is connected anywhere.
  phone.close();
  await sleep(QUIET);
  tablet.close();
  await sleep(QUIET);
  for (const w of watchers) assert.deepEqual(presenceOf(w, id), [true], 'still online (laptop on node 3)');
  for (const list of await onlineEverywhere(watcherUsers[0].token)) assert.ok(list.includes(id));

  laptop.close();
  await waitFor(() => watchers.every((w) => presenceOf(w, id).length >= 2), 'offline event on every node');
  await sleep(QUIET);
  for (const w of watchers) assert.deepEqual(presenceOf(w, id), [true, false], 'one offline event per watcher');
  await expectOnlineEverywhere(watcherUsers[1].token, id, false, 'ann offline on every node');
});

test('the same user coming back: online again, once', async () => {
  const bo = await registerAndLogin(cluster.nodes[2]);
  const id = bo.user.id;
  for (let round = 1; round <= 2; round++) {
    const s = await connect(cluster.nodes[round], bo.token);
    sockets.push(s);
    await waitFor(() => watchers.every((w) => presenceOf(w, id).length >= 2 * round - 1), `online round ${round}`);
    s.close();
    await waitFor(() => watchers.every((w) => presenceOf(w, id).length >= 2 * round), `offline round ${round}`);
  }
  await sleep(QUIET);
  for (const w of watchers) assert.deepEqual(presenceOf(w, id), [true, false, true, false]);
});

test('devices connecting at the same moment on two nodes: exactly one online event; leaving at once: exactly one offline', async () => {
  for (let round = 0; round < 3; round++) {
    const cy = await registerAndLogin(cluster.nodes[0]);
    const id = cy.user.id;
    const pair = await Promise.all([connect(cluster.nodes[0], cy.token), connect(cluster.nodes[2], cy.token)]);
    sockets.push(...pair);
    await waitFor(() => watchers.every((w) => presenceOf(w, id).length >= 1), 'online event');
    await expectOnlineEverywhere(watcherUsers[0].token, id, true, 'online on every node');
    await sleep(QUIET);
    for (const w of watchers) assert.deepEqual(presenceOf(w, id), [true], `round ${round}: one online event`);

    for (const s of pair) s.close();
    await waitFor(() => watchers.every((w) => presenceOf(w, id).length >= 2), 'offline event');
    await sleep(QUIET);
    for (const w of watchers) assert.deepEqual(presenceOf(w, id), [true, false], `round ${round}: one offline event`);
    await expectOnlineEverywhere(watcherUsers[0].token, id, false, 'offline on every node');
  }
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
  // A presence event is a user-level fact: no events about the watchers themselves arrived late.
  for (const w of watchers) for (const u of watcherUsers) assert.ok(presenceOf(w, u.user.id).every((online) => online));
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
