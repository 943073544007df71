// A node SIGKILLed (no goodbye to Redis, no clean disconnects): the other nodes keep delivering,
// and the users it alone was serving go offline (a `presence` event from a surviving node, and
// gone from GET /api/users/online) within about the heartbeat expiry, CLUSTER_NODE_TTL_MS + a
// third; users who also have a device on a surviving node stay online. The watching sockets
// subscribe to the users they watch (presence_subscribe).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, waitFor } from '../lib/chat-socket.mjs';
import { api, registerAndLogin } from '../lib/chatd.mjs';
import { startCluster, eventsOf, presenceOf, onlineIds, ready, sleep, until } from '../lib/cluster.mjs';

const TTL = 1500;
// The contract says "within about ttl + ttl/3"; allow for the survivors' check period and a
// loaded machine.
const DEADLINE = 2 * TTL + 1500;
const tag = () => randomBytes(6).toString('hex');

let cluster, n1, n2, n3;
let w1, w2, dave, erin, frank;
const sockets = [];

before(async () => {
  cluster = await startCluster({ nodes: 3, env: { CLUSTER_NODE_TTL_MS: String(TTL) }, name: import.meta.filename });
  [n1, n2, n3] = cluster.nodes;
  [w1, w2, dave, erin, frank] = await Promise.all([
    registerAndLogin(n1),
    registerAndLogin(n2),
    registerAndLogin(n3),
    registerAndLogin(n1),
    registerAndLogin(n2),
  ]);
  w1.socket = await connect(n1, w1.token);
  w2.socket = await connect(n2, w2.token, 'upgrade');
  erin.sockets = [await connect(n1, erin.token), await connect(n3, erin.token)]; // nodes 1 and 3
  frank.socket = await connect(n2, frank.token);
  await follow([w1.socket, w2.socket, erin.sockets[0], frank.socket], [dave.user.id, erin.user.id]);
  dave.sockets = [await connect(n3, dave.token), await connect(n3, dave.token, 'polling-only')]; // only on node 3
  sockets.push(w1.socket, w2.socket, ...dave.sockets, ...erin.sockets, frank.socket);
});

async function follow(watchers, userIds) {
  for (const s of watchers) await s.timeout(5000).emitWithAck('presence_subscribe', { userIds });
}

after(async () => {
  for (const s of sockets) s.close();
  await cluster?.cleanup();
});

const everyone = () => [w1, w2, dave, erin, frank].map((u) => u.user.id);

test('before the kill: every user is online on every node, and dave was announced to the watchers', async () => {
  await until(async () => {
    const lists = await Promise.all(cluster.nodes.map((n) => onlineIds(n, w1.token)));
    return lists.every((l) => everyone().every((id) => l.includes(id)));
  }, 'everyone online everywhere', 5000).catch(async (err) => {
    const lists = await Promise.all(cluster.nodes.map((n) => onlineIds(n, w1.token)));
    assert.fail(`${err.message}: ${JSON.stringify(lists)}, expected ${JSON.stringify(everyone())}`);
  });
  // After PRESENCE_COALESCE_MS: a node killed before a change is announced takes it along.
  const watchers = [w1.socket, w2.socket, erin.sockets[0], frank.socket];
  await waitFor(() => watchers.every((s) => presenceOf(s, dave.user.id).length === 1), 'dave announced online');
});

test('node 3 SIGKILLed: nodes 1 and 2 keep delivering, its users go offline within the expiry, exactly once', async () => {
  const watchers = [w1.socket, w2.socket, erin.sockets[0], frank.socket];
  const killedAt = Date.now();
  await cluster.kill(2);

  // Delivery between the survivors does not wait for anything.
  const text = 'still here ' + tag();
  await w1.socket.timeout(5000).emitWithAck('public_message', text);
  const match = (p) => p.message === text;
  await waitFor(() => watchers.every((s) => eventsOf(s, 'public_message', match).length >= 1), 'public on nodes 1 and 2', 2000);
  const priv = 'to erin ' + tag();
  await frank.socket.timeout(5000).emitWithAck('private_message', { recipientId: erin.user.id, message: priv });
  await waitFor(() => eventsOf(erin.sockets[0], 'private_message', (p) => p.message === priv).length === 1,
    'private from node 2 to erin on node 1', 2000);

  // dave (only on node 3) goes offline, announced by a survivor to everyone left.
  await waitFor(() => watchers.every((s) => presenceOf(s, dave.user.id).includes(false)),
    `presence {userId: dave, online: false} within ${DEADLINE} ms`, DEADLINE);
  const took = Date.now() - killedAt;
  console.log(`# offline announced ${took} ms after the SIGKILL (CLUSTER_NODE_TTL_MS=${TTL})`);
  for (const node of [n1, n2]) {
    await until(async () => !(await onlineIds(node, w1.token)).includes(dave.user.id),
      `dave gone from GET /api/users/online on node ${node.index + 1}`, Math.max(500, DEADLINE - (Date.now() - killedAt)));
  }
  await sleep(TTL); // a second announcement, or a flap, would show by now
  for (const s of watchers) {
    const seen = presenceOf(s, dave.user.id); // [true, false], or [false] for those who came later
    assert.equal(seen.filter((online) => !online).length, 1, 'dave: one offline event: ' + JSON.stringify(seen));
    assert.equal(seen.at(-1), false);
    // erin still has a device on node 1: never announced offline.
    assert.ok(!presenceOf(s, erin.user.id).includes(false), 'erin stays online: ' + JSON.stringify(presenceOf(s, erin.user.id)));
  }
  for (const node of [n1, n2]) {
    const list = await onlineIds(node, w1.token);
    assert.ok(list.includes(erin.user.id), 'erin still listed');
    assert.ok(!list.includes(dave.user.id), 'dave not listed');
    assert.deepEqual(list, [w1, w2, erin, frank].map((u) => u.user.id).sort((a, b) => a - b));
  }
  for (const node of [n1, n2]) {
    const res = await ready(node);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ready');
    assert.equal(res.body.redis, 'up');
  }
});

test('after the kill: cross-node delivery between the survivors is exactly once, and dave coming back on node 1 is announced once', async () => {
  const text = 'after kill ' + tag();
  await frank.socket.timeout(5000).emitWithAck('public_message', text);
  const live = [w1.socket, w2.socket, erin.sockets[0], frank.socket];
  const match = (p) => p.message === text;
  await waitFor(() => live.every((s) => eventsOf(s, 'public_message', match).length >= 1), 'public after the kill');
  await sleep(300);
  for (const s of live) assert.equal(eventsOf(s, 'public_message', match).length, 1);

  const before = live.map((s) => presenceOf(s, dave.user.id).length);
  const back = await connect(n1, dave.token);
  sockets.push(back);
  await waitFor(() => live.every((s, i) => presenceOf(s, dave.user.id).length === before[i] + 1), 'dave online again');
  for (const s of live) assert.equal(presenceOf(s, dave.user.id).at(-1), true);
  await sleep(300);
  for (const [i, s] of live.entries()) assert.equal(presenceOf(s, dave.user.id).length, before[i] + 1, 'once');
  for (const node of [n1, n2]) {
    await until(async () => (await onlineIds(node, w1.token)).includes(dave.user.id), `dave listed on node ${node.index + 1}`, 3000);
  }
});

test('cross-node requests skip the dead node: GET /api/users/:id/presence answers at once with the live devices', async () => {
  for (const node of [n1, n2]) {
    const t0 = Date.now();
    const res = await api(node, 'GET', `/api/users/${erin.user.id}/presence`, { token: w1.token });
    const took = Date.now() - t0;
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.data.online, true);
    assert.equal(res.body.data.devices, 1, 'only erin\'s device on node 1 is left');
    assert.ok(took < 1500, `answered in ${took} ms`);
  }
});

test('a node stopped with SIGTERM: its users go offline once (not again when its heartbeat expires)', async () => {
  const n4 = await cluster.addNode();
  const gus = await registerAndLogin(n4);
  const live = [w1.socket, w2.socket];
  await follow(live, [gus.user.id]);
  const g = [await connect(n4, gus.token), await connect(n4, gus.token, 'polling-only')];
  sockets.push(...g);
  await waitFor(() => live.every((s) => presenceOf(s, gus.user.id).length === 1), 'gus online');
  const t0 = Date.now();
  const code = await n4.stop('SIGTERM');
  assert.equal(code, 0, 'a clean exit');
  await waitFor(() => live.every((s) => presenceOf(s, gus.user.id).length >= 2), 'gus offline', DEADLINE);
  console.log(`# offline announced ${Date.now() - t0} ms after SIGTERM`);
  await sleep(2 * TTL); // past the expiry of its heartbeat: no second announcement
  for (const s of live) assert.deepEqual(presenceOf(s, gus.user.id), [true, false]);
  for (const node of [n1, n2]) assert.ok(!(await onlineIds(node, w1.token)).includes(gus.user.id));
});
