// Typing indicators across nodes: an `on` sent on one node reaches the peer's devices on every
// node, a group's members elsewhere, never the typer's own devices on other nodes; the
// automatic `off`s (expiry, the typer's disconnect) come from the typer's node to all of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsOf } from '../lib/chat-socket.mjs';
import { api, registerAndLogin } from '../lib/chatd.mjs';
import { clusterScope, sleep, until } from '../lib/cluster.mjs';

const scope = clusterScope({ nodes: 3, name: import.meta.filename });
const device = (node, user) => scope.device(node, user);

test('typing on one node reaches the other participants on every node, and its offs too', async () => {
  const [n1, n2, n3] = scope.nodes;
  const alice = await registerAndLogin(n1);
  const bob = await registerAndLogin(n1);
  const carol = await registerAndLogin(n1);
  const g = await api(n1, 'POST', '/api/groups', { token: alice.token, body: { name: 'nodes', memberIds: [carol.user.id] } });
  assert.equal(g.status, 201, JSON.stringify(g.body));
  const groupId = g.body.data.id;
  const a1 = await device(n1, alice);
  const a3 = await device(n3, alice);
  const b2 = await device(n2, bob);
  const b3 = await device(n3, bob);
  const c2 = await device(n2, carol);
  const who = { userId: alice.user.id, username: alice.user.username };

  assert.deepEqual(await a1.timeout(5000).emitWithAck('typing', { peerId: bob.user.id, on: true }), { relayed: true });
  assert.deepEqual(await a1.timeout(5000).emitWithAck('typing', { groupId, on: true }), { relayed: true });
  for (const s of [b2, b3]) await until(() => eventsOf(s, 'typing').length === 1, 'the private typing on every node');
  for (const s of [b2, b3]) assert.deepEqual(eventsOf(s, 'typing'), [{ ...who, on: true }]);
  await until(() => eventsOf(c2, 'typing').length === 1, 'the group typing on node 2');
  assert.deepEqual(eventsOf(c2, 'typing'), [{ ...who, on: true, groupId }]);

  // The group's indicator expires on node 1 (5 s, no refresh); the private one ends with the
  // typer's socket.
  a1.close();
  for (const s of [b2, b3]) await until(() => eventsOf(s, 'typing').length === 2, 'the disconnect off on every node');
  for (const s of [b2, b3]) assert.deepEqual(eventsOf(s, 'typing')[1], { ...who, on: false });
  // (the disconnect ended the group's indicator as well)
  await until(() => eventsOf(c2, 'typing').length === 2, 'the group off on node 2');
  assert.deepEqual(eventsOf(c2, 'typing')[1], { ...who, on: false, groupId });

  // Expiry, from node 3, heard on node 2.
  const t0 = Date.now();
  await a3.timeout(5000).emitWithAck('typing', { groupId, on: true });
  await until(() => eventsOf(c2, 'typing').length === 3, 'the on from node 3');
  await until(() => eventsOf(c2, 'typing').length === 4, 'the expiry off from node 3', 9000);
  const waited = Date.now() - t0;
  assert.ok(waited >= 4900 && waited < 7000, `expired after ${waited} ms`);
  assert.deepEqual(eventsOf(c2, 'typing')[3], { ...who, on: false, groupId });
  await sleep(300);
  assert.deepEqual(eventsOf(a3, 'typing'), [], "the typer's device on another node heard it");
});
