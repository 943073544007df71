// Redis goes away and comes back: while it is down every node says "degraded" on /ready and keeps
// serving its local clients; once it is back (empty: nothing is persisted) the nodes reconnect,
// resubscribe, and cross-node delivery resumes within 5 s; users who stayed connected are never
// announced offline. Also: /ready without REDIS_URL, and bad cluster configuration.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, waitFor } from '../lib/chat-socket.mjs';
import { api, registerAndLogin, startChatd } from '../lib/chatd.mjs';
import { startCluster, eventsOf, presenceOf, onlineIds, ready, sleep, until } from '../lib/cluster.mjs';

const TTL = 1500;
const tag = () => randomBytes(6).toString('hex');

let cluster, n1, n2, n3;
let u1, u2, u3; // one user per node; u1 has two devices on node 1
const sockets = [];

before(async () => {
  cluster = await startCluster({ nodes: 3, env: { CLUSTER_NODE_TTL_MS: String(TTL) }, name: import.meta.filename });
  [n1, n2, n3] = cluster.nodes;
  [u1, u2, u3] = await Promise.all([registerAndLogin(n1), registerAndLogin(n2), registerAndLogin(n3)]);
  u1.sockets = [await connect(n1, u1.token), await connect(n1, u1.token, 'upgrade')];
  u2.sockets = [await connect(n2, u2.token)];
  u3.sockets = [await connect(n3, u3.token, 'upgrade')];
  sockets.push(...u1.sockets, ...u2.sockets, ...u3.sockets);
  // Every socket follows every user's presence (an offline announcement would reach them all).
  const userIds = [u1, u2, u3].map((u) => u.user.id);
  for (const s of sockets) await s.timeout(5000).emitWithAck('presence_subscribe', { userIds });
});

after(async () => {
  for (const s of sockets) s.close();
  await cluster?.cleanup();
});

const readyOf = async (node) => (await ready(node)).body;
const ids = () => [u1, u2, u3].map((u) => u.user.id).sort((a, b) => a - b);

async function allOnlineEverywhere(timeout) {
  await until(async () => {
    const lists = await Promise.all([n1, n2, n3].map((n) => onlineIds(n, u1.token)));
    return lists.every((l) => ids().every((id) => l.includes(id)));
  }, 'every user online on every node', timeout).catch(async (err) => {
    const lists = await Promise.all([n1, n2, n3].map((n) => onlineIds(n, u1.token)));
    assert.fail(`${err.message}; GET /api/users/online per node: ${JSON.stringify(lists)}, expected ${JSON.stringify(ids())}`);
  });
}

// Sends a public message from `from` every 200 ms until every socket in `to` has one of them;
// returns the time it took.
async function deliveryResumes(from, to, timeout) {
  const t0 = Date.now();
  const prefix = 'probe ' + tag();
  let n = 0;
  const mine = (p) => typeof p.message === 'string' && p.message.startsWith(prefix);
  while (!to.every((s) => eventsOf(s, 'public_message', mine).length > 0)) {
    if (Date.now() - t0 > timeout) {
      throw new Error(`cross-node delivery did not resume within ${timeout} ms (${n} probes sent; ` +
        `received per socket: ${to.map((s) => eventsOf(s, 'public_message', mine).length)})`);
    }
    from.emit('public_message', `${prefix} ${n++}`);
    await sleep(200);
  }
  return Date.now() - t0;
}

test('before the outage: /ready is "ready" with redis "up", and messages cross nodes', async () => {
  for (const node of cluster.nodes) {
    const body = await until(async () => {
      const b = await readyOf(node);
      return b.redis === 'up' && b;
    }, `redis up on node ${node.index + 1}`).catch(async () => readyOf(node));
    assert.equal(body.status, 'ready');
    assert.equal(body.redis, 'up');
  }
  await deliveryResumes(u1.sockets[0], [u2.sockets[0], u3.sockets[0]], 5000);
  await allOnlineEverywhere(5000);
});

test('Redis killed: /ready degraded, local delivery goes on; restarted: cross-node delivery resumes within 5 s', async () => {
  await cluster.redis.kill();

  // Every node notices and says so, still with 200 (it serves its local clients).
  for (const node of cluster.nodes) {
    await until(async () => (await readyOf(node)).redis === 'down', `redis down on node ${node.index + 1}`, 5000)
      .catch(async (err) => assert.fail(`${err.message}: ${JSON.stringify(await ready(node))}`));
    const res = await ready(node);
    assert.equal(res.status, 200, 'a degraded node still takes traffic');
    assert.equal(res.body.status, 'degraded');
    assert.equal(res.body.redis, 'down');
    assert.equal(res.body.database, 'up');
  }

  // Local delivery: both of u1's devices on node 1 get a message sent on node 1, once.
  const text = 'local only ' + tag();
  const ack = await u1.sockets[0].timeout(5000).emitWithAck('public_message', text);
  assert.equal(typeof ack.id, 'number', 'stored and acked while Redis is down: ' + JSON.stringify(ack));
  const match = (p) => p.message === text;
  await waitFor(() => u1.sockets.every((s) => eventsOf(s, 'public_message', match).length === 1), 'local delivery on node 1');
  // A private message to a user on node 2: its local side (the sender's other device) works.
  const priv = 'local private ' + tag();
  await u1.sockets[1].timeout(5000).emitWithAck('private_message', { recipientId: u2.user.id, message: priv });
  await waitFor(() => eventsOf(u1.sockets[0], 'private_message', (p) => p.message === priv).length === 1,
    'the sender\'s other device on the same node');
  // Presence queries answer at once from what the node knows (its own devices at least).
  const t0 = Date.now();
  assert.ok((await onlineIds(n1, u1.token)).includes(u1.user.id), 'GET /api/users/online lists the local user');
  const pres = await api(n1, 'GET', `/api/users/${u1.user.id}/presence`, { token: u1.token });
  assert.equal(pres.status, 200, pres.text);
  assert.ok(pres.body.data.devices >= 2, JSON.stringify(pres.body.data));
  assert.ok(Date.now() - t0 < 2500, `presence queries took ${Date.now() - t0} ms while Redis is down`);
  // New connections and REST keep working on every node.
  const extra = await connect(n2, u2.token);
  sockets.push(extra);
  extra.close();
  for (const s of sockets.slice(0, 4)) assert.equal(s.connected, true, 'clients stay connected');

  await sleep(TTL); // down for longer than the heartbeat expiry
  await cluster.redis.start(); // same port, empty

  const t1 = await deliveryResumes(u1.sockets[0], [u2.sockets[0], u3.sockets[0]], 5000);
  const t2 = await deliveryResumes(u3.sockets[0], [u1.sockets[1], u2.sockets[0]], Math.max(1000, 5000 - t1));
  console.log(`# cross-node delivery resumed ${t1} ms after Redis came back (node 3 → others: ${t1 + t2} ms)`);

  for (const node of cluster.nodes) {
    await until(async () => (await readyOf(node)).redis === 'up', `redis up again on node ${node.index + 1}`, 5000)
      .catch(async (err) => assert.fail(`${err.message}: ${JSON.stringify(await ready(node))}`));
    const res = await ready(node);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ready');
  }
});

test('after the restart: private delivery across nodes is exactly once, and nothing is delivered twice', async () => {
  const text = 'after restart ' + tag();
  await u2.sockets[0].timeout(5000).emitWithAck('private_message', { recipientId: u1.user.id, message: text });
  const match = (p) => p.message === text;
  await waitFor(() => u1.sockets.every((s) => eventsOf(s, 'private_message', match).length >= 1), 'private on node 1');
  await sleep(300);
  for (const s of u1.sockets) assert.equal(eventsOf(s, 'private_message', match).length, 1);
  for (const s of sockets.slice(0, 4)) {
    const ids = eventsOf(s, 'public_message').map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'no public message delivered twice to one socket');
  }
});

test('after the restart: presence is rebuilt (every user listed on every node), nobody was announced offline', async () => {
  // Redis came back empty: the nodes must put their users back within about one heartbeat expiry.
  await allOnlineEverywhere(TTL + 3000);
  await sleep(TTL + TTL / 3); // a wrong expiry of the rebuilt state would show by now
  await allOnlineEverywhere(1000);
  for (const s of sockets.slice(0, 4)) {
    for (const u of [u1, u2, u3]) {
      assert.ok(!presenceOf(s, u.user.id).includes(false), `user ${u.user.id} (never disconnected) was announced offline: ` +
        JSON.stringify(presenceOf(s, u.user.id)));
    }
  }
});

test('a node without REDIS_URL reports redis "off" on /ready', async () => {
  const solo = await cluster.addNode({ REDIS_URL: undefined });
  const res = await ready(solo);
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'ready');
  assert.equal(res.body.redis, 'off');
  await solo.stop();
});

test('bad cluster settings stop start-up with a line naming the variable', async () => {
  for (const [env, name] of [
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    [{ REDIS_URL: cluster.redis.url, CLUSTER_NODE_TTL_MS: '100' }, 'CLUSTER_NODE_TTL_MS'],
    [{ REDIS_URL: cluster.redis.url, CLUSTER_NODE_TTL_MS: 'soon' }, 'CLUSTER_NODE_TTL_MS'],
  ]) {
    const started = startChatd({ database: cluster.databaseUrl, env: { JWE_KEY: cluster.key, ...env } });
    await assert.rejects(
      started.then(async (node) => {
        await node.cleanup();
        throw new Error(`chatd started with ${JSON.stringify(env)}`);
      }),
      (err) => {
        assert.match(err.message, /exited with [1-9]/, err.message);
        assert.match(err.message, new RegExp(name), err.message);
        return true;
      },
    );
  }
});

// A Redis that stops answering without closing its connections (SIGSTOP here; a partition in
// real life): an unanswered PING drops the connection within about 2 s.
test('a Redis that stops answering (SIGSTOP) is reported as degraded', async () => {
  cluster.redis.pause();
  try {
    for (const node of [n1, n2, n3]) {
      await until(async () => (await readyOf(node)).redis === 'down', `redis down on node ${node.index + 1}`, 3000)
        .catch(async (err) => assert.fail(`${err.message}: ${JSON.stringify((await ready(node)).body)}`));
    }
  } finally {
    cluster.redis.resume();
  }
});

test('after Redis stalled for 2.5 s (SIGSTOP, then SIGCONT): cross-node delivery resumes within 5 s', async () => {
  cluster.redis.pause();
  await sleep(2500);
  cluster.redis.resume();
  const t = await deliveryResumes(u1.sockets[0], [u2.sockets[0], u3.sockets[0]], 5000);
  const t2 = await deliveryResumes(u2.sockets[0], [u1.sockets[0], u3.sockets[0]], 5000);
  console.log(`# delivery resumed ${t} ms after the stall (node 2 → others: ${t + t2} ms)`);
  await allOnlineEverywhere(TTL + 3000);
});
