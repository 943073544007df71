// REDIS_URL with a password and a database number; each broadcast crosses Redis once (one
// PUBLISH per message, whatever the number of recipients or rooms); the password never shows in
// the logs, and a wrong one never passes for a working link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, waitFor } from '../lib/chat-socket.mjs';
import { registerAndLogin, startChatd } from '../lib/chatd.mjs';
import { startCluster, eventsOf, ready, redisCommands, commandCalls, sleep, until } from '../lib/cluster.mjs';

const PASSWORD = 'pw-' + randomBytes(8).toString('hex');
const DB = 5;
const tag = () => randomBytes(6).toString('hex');

let cluster, n1, n2;
let ann, ben;
const sockets = [];

before(async () => {
  cluster = await startCluster({ nodes: 2, redisPassword: PASSWORD, redisDb: DB, name: import.meta.filename });
  [n1, n2] = cluster.nodes;
  [ann, ben] = await Promise.all([registerAndLogin(n1), registerAndLogin(n2)]);
  // Four devices on each node.
  ann.sockets = await Promise.all([0, 1, 2, 3].map((i) => connect(n1, ann.token, i === 3 ? 'polling-only' : 'websocket')));
  ben.sockets = await Promise.all([0, 1, 2, 3].map((i) => connect(n2, ben.token, i === 3 ? 'polling-only' : 'websocket')));
  sockets.push(...ann.sockets, ...ben.sockets);
});

after(async () => {
  for (const s of sockets) s.close();
  await cluster?.cleanup();
});

const auth = { password: PASSWORD };

test('with a password and a database number: /ready up, messages cross, keys live in that database', async () => {
  for (const node of cluster.nodes) {
    await until(async () => (await ready(node)).body.redis === 'up', `redis up on node ${node.index + 1}`, 5000)
      .catch(async (err) => assert.fail(`${err.message}: ${JSON.stringify((await ready(node)).body)}`));
  }
  const text = 'through an authenticated redis ' + tag();
  await ann.sockets[0].timeout(5000).emitWithAck('public_message', text);
  const match = (p) => p.message === text;
  await waitFor(() => sockets.every((s) => eventsOf(s, 'public_message', match).length >= 1), 'broadcast on both nodes');
  await sleep(200);
  for (const s of sockets) assert.equal(eventsOf(s, 'public_message', match).length, 1);

  const [inDb] = await redisCommands(cluster.redis.port, [['DBSIZE']], { ...auth, db: DB });
  const [inDb0] = await redisCommands(cluster.redis.port, [['DBSIZE']], auth);
  assert.ok(inDb > 0, `database ${DB} holds the cluster's keys (heartbeats, presence)`);
  assert.equal(inDb0, 0, 'nothing in database 0');
});

test('each message crosses Redis once: one PUBLISH per broadcast, not one per recipient or room', async () => {
  await redisCommands(cluster.redis.port, [['CONFIG', 'RESETSTAT']], auth);
  const before = (await commandCalls(cluster.redis.port, auth)).publish ?? 0;
  const t = tag();
  for (let i = 0; i < 5; i++) await ann.sockets[0].timeout(5000).emitWithAck('public_message', `pub ${t} ${i}`);
  // Private messages go to three rooms (the pair room and both user rooms): still one PUBLISH.
  await ann.sockets[1].timeout(5000).emitWithAck('join_room', { recipientId: ben.user.id });
  await ben.sockets[1].timeout(5000).emitWithAck('join_room', { recipientId: ann.user.id });
  for (let i = 0; i < 5; i++)
    await ben.sockets[0].timeout(5000).emitWithAck('private_message', { recipientId: ann.user.id, message: `priv ${t} ${i}` });
  const pub = (p) => p.message.startsWith(`pub ${t} `);
  const priv = (p) => p.message.startsWith(`priv ${t} `);
  await waitFor(() => sockets.every((s) => eventsOf(s, 'public_message', pub).length >= 5), 'public messages everywhere');
  await waitFor(() => ann.sockets.every((s) => eventsOf(s, 'private_message', priv).length >= 5), 'private messages on node 1');
  await sleep(200);
  for (const s of sockets) assert.equal(eventsOf(s, 'public_message', pub).length, 5);
  for (const s of ann.sockets) assert.equal(eventsOf(s, 'private_message', priv).length, 5);
  const publishes = ((await commandCalls(cluster.redis.port, auth)).publish ?? 0) - before;
  // 10 messages, 8 sockets, 2 nodes: one PUBLISH each is 10; per node would be 20, per socket 80.
  assert.ok(publishes >= 10 && publishes <= 13, `${publishes} PUBLISH calls for 10 messages`);
});

test('the Redis password never appears in any node\'s output', async () => {
  for (const node of cluster.nodes) assert.ok(!node.output().includes(PASSWORD), `node ${node.index + 1} logged the password`);
});

// A connection counts as up only once AUTH and SELECT succeeded.
test('a wrong password: the node never reports redis "up", and does not log the password', async () => {
  const wrong = 'wrong-' + randomBytes(6).toString('hex');
  const url = `redis://:${wrong}@127.0.0.1:${cluster.redis.port}/${DB}`;
  let node;
  try {
    node = await startChatd({ database: cluster.databaseUrl, env: { ...cluster.env, REDIS_URL: url } });
  } catch (err) {
    // Refusing to start is fine too, with a line naming the variable and without the password.
    assert.match(err.message, /REDIS_URL|redis/i);
    assert.ok(!err.message.includes(wrong), 'the password is not printed');
    return;
  }
  try {
    await sleep(1000);
    const res = await ready(node);
    assert.equal(res.status, 200, 'the database is up: the node serves (degraded)');
    assert.notEqual(res.body.redis, 'up', JSON.stringify(res.body));
    assert.equal(res.body.status, 'degraded');
    assert.ok(!node.output().includes(wrong), 'the password is not logged');
  } finally {
    await node.cleanup();
  }
});
