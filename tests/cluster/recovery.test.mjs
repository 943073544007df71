// Connection-state recovery across nodes (issue 14): a client whose connection to one node is
// lost comes back on another node and gets its session back there: the pid is sealed with a
// key every node derives from the shared JWE_KEY, and the missed messages come from the shared
// store. A node that is behind the one the client left (it has not yet delivered what the
// client got there) does not send it those messages again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, recoveringClient, sendPublic, storedIds, waitFor } from '../lib/chat-socket.mjs';
import { registerAndLogin } from '../lib/chatd.mjs';
import { startCluster } from '../lib/cluster.mjs';

let cluster, n1, n2;
const sockets = [];

before(async () => {
  cluster = await startCluster({ nodes: 2, env: { MESSAGE_RATE_PER_SECOND: '0' }, name: import.meta.filename });
  [n1, n2] = cluster.nodes;
});

after(async () => {
  for (const s of sockets) s.close();
  await cluster?.cleanup();
});

test('a client that comes back on another node is recovered there, with the missed messages in order', async () => {
  const a = await registerAndLogin(n1);
  const b = await registerAndLogin(n2);
  const sa = await recoveringClient(n1, a.token, 800);
  sockets.push(sa);
  const sb = await connect(n2, b.token);
  sockets.push(sb);
  const first = (await sendPublic(sb, 'before the move')).id;
  await waitFor(() => storedIds(sa).includes(first), 'first message at A on node 1');
  const oldId = sa.id;

  // The next connection of A's Manager goes to node 2 (a load balancer that moved it).
  sa.io.uri = n2.url;
  const back = new Promise((resolve) => sa.once('connect', resolve));
  sa.io.engine.close();
  await waitFor(() => !sa.connected, 'A disconnected');
  const missed = [];
  for (let i = 0; i < 3; i++) missed.push((await sendPublic(sb, `while A moves ${i}`)).id);
  const priv = await sb.timeout(5000).emitWithAck('private_message', { recipientId: a.user.id, message: 'private, missed' });
  missed.push(priv.id);
  await back;
  assert.equal(String(sa.io.engine.port), String(n2.port), 'reconnected to node 2');
  assert.equal(sa.recovered, true, 'recovered on node 2 with a pid node 1 issued');
  assert.equal(sa.id, oldId, 'the same socket id');
  const live = (await sendPublic(sb, 'live on node 2')).id;
  await waitFor(() => storedIds(sa).includes(live), 'live message');
  assert.deepEqual(storedIds(sa), [first, ...missed, live], 'each once, in id order');
  // It is served by node 2 now: a message sent from node 1 crosses Redis to reach it.
  const c = await registerAndLogin(n1);
  const sc = await connect(n1, c.token);
  sockets.push(sc);
  const cross = (await sendPublic(sc, 'from node 1')).id;
  await waitFor(() => storedIds(sa).includes(cross), 'message from node 1');
});


test('a client that comes back on a node behind the one it left gets nothing twice', async () => {
  const a = await registerAndLogin(n1);
  const b = await registerAndLogin(n1);
  const c = await registerAndLogin(n2);
  const sa = await recoveringClient(n1, a.token, 50);
  const sb = await connect(n1, b.token);
  const watcher = await connect(n2, c.token); // sees when node 2 delivers
  sockets.push(sa, sb, watcher);
  const first = (await sendPublic(sb, 'before')).id;
  await waitFor(() => storedIds(sa).includes(first) && storedIds(watcher).includes(first), 'first message on both nodes');

  // Redis stalls: node 2 hears nothing from node 1, and delivers node 1's messages only once it
  // reads them from the store (within about 2 s).
  cluster.redis.pause();
  let ahead;
  try {
    ahead = [];
    for (let i = 0; i < 3; i++) ahead.push((await sendPublic(sb, `delivered by node 1 only ${i}`)).id);
    await waitFor(() => ahead.every((id) => storedIds(sa).includes(id)), 'A has them from node 1');
    sa.io.uri = n2.url;
    const back = new Promise((resolve) => sa.once('connect', resolve));
    sa.io.engine.close();
    await back;
    assert.equal(sa.recovered, true, 'recovered on node 2');
    assert.ok(!ahead.every((id) => storedIds(watcher).includes(id)), 'node 2 was behind when A came back');
    await waitFor(() => ahead.every((id) => storedIds(watcher).includes(id)), 'node 2 delivers them from the store', 10000);
  } finally {
    cluster.redis.resume();
  }
  const live = (await sendPublic(sb, 'after')).id;
  await waitFor(() => storedIds(sa).includes(live), 'a live message at A on node 2', 10000);
  assert.deepEqual(storedIds(sa), [first, ...ahead, live], 'each once, in id order');
});
