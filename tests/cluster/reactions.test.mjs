// Reactions and replies across nodes: a reaction made on one node reaches every device that may
// read the message on every other node (reaction {id, emoji, userId, on}), private and group ones
// only their people's devices, and history on any node shows the aggregate; a reply sent on one
// node reaches the other nodes (which read it from the store) with its replyTo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, eventsOf, storedIds } from '../lib/chat-socket.mjs';
import { api, registerAndLogin } from '../lib/chatd.mjs';
import { startCluster, sleep, until } from '../lib/cluster.mjs';

let cluster, n1, n2, n3;
const sockets = [];
before(async () => {
  cluster = await startCluster({ nodes: 3, name: import.meta.filename });
  [n1, n2, n3] = cluster.nodes;
});
after(async () => {
  for (const s of sockets) s.close();
  await cluster?.cleanup();
});

async function device(node, user) {
  const s = await connect(node, user.token);
  sockets.push(s);
  return s;
}

const THUMBS = '\u{1F44D}';

test('reactions made on one node reach the readers on every node', async () => {
  const alice = await registerAndLogin(n1);
  const bob = await registerAndLogin(n1);
  const carol = await registerAndLogin(n1);
  const a1 = await device(n1, alice);
  const a3 = await device(n3, alice);
  const b2 = await device(n2, bob);
  const b3 = await device(n3, bob);
  const c2 = await device(n2, carol);
  const group = await api(n1, 'POST', '/api/groups', { token: alice.token, body: { name: 'crew', memberIds: [bob.user.id] } });
  assert.equal(group.status, 201, JSON.stringify(group.body));
  const groupId = group.body.data.id;
  for (const s of [a1, a3, b2, b3]) await until(() => eventsOf(s, 'group_updated').length >= 1, 'the group on every node');

  const pub = await a1.timeout(5000).emitWithAck('public_message', { message: 'lunch?' });
  const priv = await a1.timeout(5000).emitWithAck('private_message', { recipientId: bob.user.id, message: 'just us' });
  const gm = await a1.timeout(5000).emitWithAck('group_message', { groupId, message: 'crew only' });
  for (const s of [b2, b3]) await until(() => storedIds(s).includes(priv.id) && storedIds(s).includes(gm.id), 'the private and group messages on every node');
  await until(() => storedIds(c2).includes(pub.id), 'the public message at carol');

  // Bob reacts from node 2 (socket) and node 3 (REST), Carol from node 2, Alice takes one back on node 1.
  await b2.timeout(5000).emitWithAck('react', { id: pub.id, emoji: THUMBS });
  const put = await api(n3, 'PUT', `/api/chat/messages/${priv.id}/reactions/${encodeURIComponent(THUMBS)}`, { token: bob.token });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  await b3.timeout(5000).emitWithAck('react', { id: gm.id, emoji: ':fire:' });
  await c2.timeout(5000).emitWithAck('react', { id: pub.id, emoji: ':tada:' });
  await a3.timeout(5000).emitWithAck('react', { id: pub.id, emoji: THUMBS });
  await a1.timeout(5000).emitWithAck('react', { id: pub.id, emoji: THUMBS });

  const all = [
    { id: pub.id, emoji: THUMBS, userId: bob.user.id, on: true },
    { id: priv.id, emoji: THUMBS, userId: bob.user.id, on: true },
    { id: gm.id, emoji: ':fire:', userId: bob.user.id, on: true },
    { id: pub.id, emoji: ':tada:', userId: carol.user.id, on: true },
    { id: pub.id, emoji: THUMBS, userId: alice.user.id, on: true },
    { id: pub.id, emoji: THUMBS, userId: alice.user.id, on: false },
  ];
  for (const s of [a1, a3, b2, b3]) await until(() => eventsOf(s, 'reaction').length === all.length, 'every reaction on every node');
  const key = (r) => JSON.stringify(r);
  for (const s of [a1, a3, b2, b3]) assert.deepEqual(eventsOf(s, 'reaction').map(key).sort(), all.map(key).sort());
  // Each user's own changes arrive in the order they were made.
  assert.deepEqual(eventsOf(b2, 'reaction', (r) => r.userId === alice.user.id).map((r) => r.on), [true, false]);
  await until(() => eventsOf(c2, 'reaction').length === 4, 'the public reactions at carol');
  await sleep(300);
  assert.deepEqual(eventsOf(c2, 'reaction').map((r) => r.id), [pub.id, pub.id, pub.id, pub.id], 'carol heard only public reactions');

  for (const node of [n1, n2, n3]) {
    const h = await api(node, 'GET', '/api/chat/public?perPage=5', { token: bob.token });
    assert.deepEqual(h.body.data.find((m) => m.id === pub.id).reactions,
      [{ emoji: THUMBS, count: 1, mine: true }, { emoji: ':tada:', count: 1, mine: false }]);
    const p = await api(node, 'GET', `/api/chat/private/${bob.user.id}`, { token: alice.token });
    assert.deepEqual(p.body.data[0].reactions, [{ emoji: THUMBS, count: 1, mine: false }]);
    const g = await api(node, 'GET', `/api/chat/groups/${groupId}`, { token: alice.token });
    assert.deepEqual(g.body.data[0].reactions, [{ emoji: ':fire:', count: 1, mine: false }]);
  }
});

test('a reply sent on one node reaches every node with its replyTo', async () => {
  const alice = await registerAndLogin(n1);
  const bob = await registerAndLogin(n1);
  const a1 = await device(n1, alice);
  const b2 = await device(n2, bob);
  const b3 = await device(n3, bob);
  const q = await b2.timeout(5000).emitWithAck('private_message', { recipientId: alice.user.id, message: 'coffee?' });
  await until(() => storedIds(a1).includes(q.id), 'the question at alice');
  const r = await a1.timeout(5000).emitWithAck('private_message', { recipientId: bob.user.id, message: 'sure', replyTo: q.id });
  const replyTo = { id: q.id, senderId: bob.user.id, username: bob.user.username, type: 'text', preview: 'coffee?' };
  for (const s of [b2, b3]) {
    await until(() => storedIds(s).includes(r.id), 'the reply on every node');
    assert.deepEqual(eventsOf(s, 'private_message', (m) => m.id === r.id)[0].replyTo, replyTo);
  }
  const pub = await b3.timeout(5000).emitWithAck('public_message', { message: 'who is in?' });
  const pr = await a1.timeout(5000).emitWithAck('public_message', { message: 'me', replyTo: pub.id });
  await until(() => storedIds(b2).includes(pr.id), 'the public reply on node 2');
  assert.equal(eventsOf(b2, 'public_message', (m) => m.id === pr.id)[0].replyTo.preview, 'who is in?');
});
