// Stored messages reach every node's sockets in id order, each once, however the nodes' commits
// interleave (docs/architecture.md, "Delivery in id order"), and messages stored on one node
// while Redis is down reach the other nodes' sockets from the store, in order, once (issue 14).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, sendPublic, storedIds, waitFor } from '../lib/chat-socket.mjs';
import { registerAndLogin } from '../lib/chatd.mjs';
import { startCluster, ready, sleep, until } from '../lib/cluster.mjs';

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

test('stored on node 1 while Redis is down: reaches node 2\'s sockets once Redis is back, once, in order', async () => {
  const a = await registerAndLogin(n1);
  const b = await registerAndLogin(n2);
  const sender = await connect(n1, a.token);
  const receiver = await connect(n2, b.token);
  sockets.push(sender, receiver);
  const warm = (await sendPublic(sender, 'before the outage')).id;
  await waitFor(() => storedIds(receiver).includes(warm), 'cross-node delivery works');

  await cluster.redis.kill();
  for (const node of [n1, n2])
    await until(async () => (await ready(node)).body.redis === 'down', `redis down on node ${node.index + 1}`, 5000);
  const during = [];
  for (let i = 0; i < 5; i++) during.push((await sendPublic(sender, `during the outage ${i}`)).id);
  const priv = await sender.timeout(5000).emitWithAck('private_message', { recipientId: b.user.id, message: 'private during the outage' });
  during.push(priv.id);
  await sleep(500);
  await cluster.redis.start();
  for (const node of [n1, n2])
    await until(async () => (await ready(node)).body.redis === 'up', `redis up on node ${node.index + 1}`, 10000);
  await waitFor(() => during.every((id) => storedIds(receiver).includes(id)), 'the outage\'s messages on node 2', 5000);
  const after = (await sendPublic(sender, 'after the outage')).id;
  await waitFor(() => storedIds(receiver).includes(after), 'live again');
  await sleep(300);
  assert.deepEqual(storedIds(receiver), [warm, ...during, after], 'each once, in id order');
});

test('two nodes storing at once: every socket on both nodes gets every id once, in increasing order', async () => {
  const users = await Promise.all([n1, n2, n1, n2, n1, n2].map((n) => registerAndLogin(n)));
  const receivers = [await connect(n1, users[0].token), await connect(n2, users[1].token)];
  const senders = await Promise.all(users.slice(2).map((u, i) => connect(i % 2 ? n2 : n1, u.token)));
  sockets.push(...receivers, ...senders);
  const ids = (
    await Promise.all(
      senders.map(async (s, i) => {
        const mine = [];
        for (let n = 0; n < 40; n += 5) {
          const batch = [];
          for (let k = n; k < n + 5; k++) batch.push(sendPublic(s, `s${i} ${k}`).then((ack) => ack.id));
          mine.push(...(await Promise.all(batch)));
        }
        return mine;
      }),
    )
  ).flat();
  const expected = [...ids].sort((x, y) => x - y);
  for (const [i, r] of receivers.entries()) {
    await waitFor(() => expected.every((id) => storedIds(r).includes(id)), `receiver on node ${i + 1}`, 10000);
    const got = storedIds(r).filter((id) => id >= expected[0]);
    assert.deepEqual(got, expected, `node ${i + 1}: every id once, in increasing order`);
  }
});
