// Edits and deletes across nodes: a change made on one node reaches every device that may read
// the message on every other node (message_edited, message_deleted), private ones only the two
// users' devices, and history on any node shows the edited text or the tombstone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsOf, storedIds } from '../lib/chat-socket.mjs';
import { api, registerAndLogin } from '../lib/chatd.mjs';
import { clusterScope, sleep, until } from '../lib/cluster.mjs';

const scope = clusterScope({ nodes: 3, name: import.meta.filename });
const device = (node, user) => scope.device(node, user);

test('edits and deletes made on one node reach the readers on every node', async () => {
  const [n1, n2, n3] = scope.nodes;
  const alice = await registerAndLogin(n1);
  const bob = await registerAndLogin(n1);
  const carol = await registerAndLogin(n1);
  const a1 = await device(n1, alice);
  const a3 = await device(n3, alice);
  const b2 = await device(n2, bob);
  const b3 = await device(n3, bob);
  const c2 = await device(n2, carol);

  const pub = await a1.timeout(5000).emitWithAck('public_message', { message: 'public helo' });
  const priv = await a1.timeout(5000).emitWithAck('private_message', { recipientId: bob.user.id, message: 'private helo' });
  for (const s of [b2, b3]) await until(() => storedIds(s).includes(priv.id), 'the private message on every node');
  await until(() => storedIds(c2).includes(pub.id), 'the public message at carol');

  // Alice edits from node 3 and deletes over REST on node 2.
  const e1 = await a3.timeout(5000).emitWithAck('edit_message', { id: pub.id, message: 'public hello' });
  const e2 = await a3.timeout(5000).emitWithAck('edit_message', { id: priv.id, message: 'private hello' });
  assert.equal(e2.message, 'private hello');
  for (const s of [a1, a3, b2, b3]) await until(() => eventsOf(s, 'message_edited').length === 2, 'both edits');
  for (const s of [a1, b2, b3]) assert.deepEqual(eventsOf(s, 'message_edited'), [e1, e2]);
  await until(() => eventsOf(c2, 'message_edited').length === 1, 'the public edit at carol');

  const del = await api(n2, 'DELETE', `/api/chat/messages/${priv.id}`, { token: alice.token });
  assert.equal(del.status, 200, JSON.stringify(del.body));
  const del2 = await a1.timeout(5000).emitWithAck('delete_message', { id: pub.id });
  assert.deepEqual(del2, { id: pub.id, deleted: true });
  for (const s of [a1, a3, b2, b3])
    await until(() => eventsOf(s, 'message_deleted').length === 2, 'both deletes on every node');
  for (const s of [a1, a3, b2, b3]) assert.deepEqual(eventsOf(s, 'message_deleted'), [{ id: priv.id }, { id: pub.id }]);
  await until(() => eventsOf(c2, 'message_deleted').length === 1, 'the public delete at carol');
  await sleep(300);
  assert.deepEqual(eventsOf(c2, 'message_edited'), [e1], 'carol heard only the public edit');
  assert.deepEqual(eventsOf(c2, 'message_deleted'), [{ id: pub.id }], 'carol heard only the public delete');

  for (const node of [n1, n2, n3]) {
    const h = await api(node, 'GET', `/api/chat/private/${alice.user.id}`, { token: bob.token });
    assert.equal(h.status, 200);
    assert.deepEqual(h.body.data.map((m) => [m.id, m.deleted, m.content]), [[priv.id, true, '']]);
    assert.equal(h.body.data[0].editedAt, e2.editedAt);
  }
});
