// Groups across a cluster: two chatd nodes on one PostgreSQL and one Redis, members' devices on
// both. A group message reaches every member's device on every node once (not the sending
// socket); members added on one node hear the group at once on the other; a member removed on
// node A stops receiving on node B within the same second, and hears group_removed there; and
// sockets connecting on node B while a change is made on node A end up as the change leaves them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../lib/chat-socket.mjs';
import { api, registerAndLogin } from '../lib/chatd.mjs';
import { startCluster, eventsOf, ready, sleep, until } from '../lib/cluster.mjs';

let cluster, a, b;
let ann, bob, cat;
const sockets = [];

const texts = (s, groupId) => eventsOf(s, 'group_message', (m) => m.groupId === groupId).map((m) => m.message);

async function send(socket, groupId, message) {
  const ack = await socket.timeout(5000).emitWithAck('group_message', { groupId, message });
  assert.equal(typeof ack?.id, 'number', JSON.stringify(ack));
  return ack.id;
}

before(async () => {
  cluster = await startCluster({ nodes: 2, name: import.meta.filename });
  [a, b] = cluster.nodes;
  for (const node of cluster.nodes)
    await until(async () => (await ready(node)).body?.redis === 'up', `redis up on node ${node.index + 1}`);
  [ann, bob, cat] = await Promise.all([registerAndLogin(a), registerAndLogin(b), registerAndLogin(a)]);
  ann.a = await connect(a, ann.token);
  bob.a = await connect(a, bob.token);
  bob.b = await connect(b, bob.token, 'upgrade');
  cat.b = await connect(b, cat.token);
  sockets.push(ann.a, bob.a, bob.b, cat.b);
});

after(async () => {
  for (const s of sockets) s.close();
  await cluster?.cleanup();
});

test('a group message reaches every member device on both nodes once, not the sending socket', async () => {
  const created = await api(a, 'POST', '/api/groups', { token: ann.token, body: { name: 'cluster', memberIds: [bob.user.id] } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const g = created.body.data.id;
  // bob's socket on node B joined the room through the cluster adapter.
  await until(() => eventsOf(bob.b, 'group_updated').some((u) => u.id === g), 'group_updated on node B');
  await send(ann.a, g, 'hello both nodes');
  await until(() => texts(bob.a, g).length === 1 && texts(bob.b, g).length === 1, 'delivered on both nodes');
  const reply = await send(bob.b, g, 'reply from B');
  await until(() => texts(ann.a, g).includes('reply from B') && texts(bob.a, g).includes('reply from B'), 'reply on node A');
  await sleep(300);
  assert.deepEqual(texts(bob.b, g), ['hello both nodes'], 'not echoed to the sending socket');
  assert.deepEqual(texts(bob.a, g), ['hello both nodes', 'reply from B'], 'each once');
  assert.deepEqual(texts(cat.b, g), [], 'not a member');
  assert.ok(reply > 0);

  // Added on node B: cat's socket on node B hears at once; removed on node A: bob's sockets on
  // both nodes stop within the same second.
  const added = await api(b, 'POST', `/api/groups/${g}/members`, { token: ann.token, body: { memberIds: [cat.user.id] } });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  await send(ann.a, g, 'welcome cat');
  await until(() => texts(cat.b, g).includes('welcome cat'), 'cat on node B hears the group');

  const t0 = Date.now();
  const removed = await api(a, 'DELETE', `/api/groups/${g}/members/${bob.user.id}`, { token: ann.token });
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  await until(() => eventsOf(bob.b, 'group_removed').length === 1, 'group_removed on node B', 1000, 5);
  const removedAfter = Date.now() - t0;
  assert.ok(removedAfter < 1000, `group_removed on node B after ${removedAfter} ms`);
  assert.deepEqual(eventsOf(bob.b, 'group_removed')[0], { groupId: g });
  // Messages sent from now on, through either node, never reach bob's devices.
  const after = [];
  for (let i = 0; i < 5; i++) after.push(await send(i % 2 ? ann.a : cat.b, g, `after ${i}`));
  await until(() => texts(cat.b, g).includes('after 4') || texts(cat.b, g).includes('after 3'), 'the others still hear');
  await sleep(500);
  for (const s of [bob.a, bob.b]) assert.deepEqual(texts(s, g).filter((m) => m.startsWith('after')), [], 'a removed member hears nothing');
  const refused = await bob.b.timeout(5000).emitWithAck('group_message', { groupId: g, message: 'still here?' });
  assert.deepEqual(refused, { status: 'error', message: 'Group not found' });
  assert.equal(after.length, 5);
});

// Issue 16 across nodes: the change's join or leave comes over Redis while fay's sockets connect
// on node B; each round checks what the change must have left (as in
// tests/integration/groups-realtime.test.mjs).
test('sockets connecting on node B during a change on node A end up in the room exactly when a member', async () => {
  const [dan, eve, fay] = await Promise.all([registerAndLogin(a), registerAndLogin(b), registerAndLogin(a)]);
  const created = await api(a, 'POST', '/api/groups', { token: dan.token, body: { name: 'racing', memberIds: [eve.user.id] } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const g = created.body.data.id;
  const d = await connect(a, dan.token);
  const e = await connect(b, eve.token);
  sockets.push(d, e);
  const fays = [];
  const ids = (s) => eventsOf(s, 'group_message', (m) => m.groupId === g).map((m) => m.id);
  let member = false;
  for (let round = 0; round < 10; round++) {
    const change = member
      ? api(a, 'DELETE', `/api/groups/${g}/members/${fay.user.id}`, { token: dan.token })
      : api(a, 'POST', `/api/groups/${g}/members`, { token: dan.token, body: { memberIds: [fay.user.id] } });
    // 8 a round: 80 handshakes on node B, within its per-IP handshake burst.
    const connecting = Array.from({ length: 8 }, (_, i) => sleep(i % 4).then(() => connect(b, fay.token)));
    const [res, ...joined] = await Promise.all([change, ...connecting]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    member = !member;
    sockets.push(...joined);
    fays.push(...joined);
    const probe = await send(d, g, `probe ${round}`);
    await until(() => ids(e).includes(probe), `probe ${round} on node B`);
    const heard = () => fays.filter((s) => ids(s).includes(probe)).length;
    if (member) {
      await until(() => heard() === fays.length, 'every socket of the member', 3000).catch(() => {});
      assert.equal(heard(), fays.length, `round ${round}: sockets of a member that did not hear the group`);
    } else {
      await sleep(150);
      assert.equal(heard(), 0, `round ${round}: sockets of a removed member that heard the group`);
    }
  }
});
