// Revocation across nodes: a logout or password change on one node ends the token's sockets on
// the other nodes within a second (each node polls the shared revocation table every 500 ms) and
// the token is refused there on REST as well.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, eventsOf } from '../lib/chat-socket.mjs';
import { api, registerAndLogin } from '../lib/chatd.mjs';
import { startCluster, until } from '../lib/cluster.mjs';

let cluster, n1, n2, n3;
before(async () => {
  cluster = await startCluster({ nodes: 3, name: import.meta.filename });
  [n1, n2, n3] = cluster.nodes;
});
after(async () => cluster?.cleanup());

function ended(socket) {
  return new Promise((resolve) => {
    socket.once('disconnect', (reason) =>
      resolve({ reason, at: Date.now(), exception: eventsOf(socket, 'exception').at(-1) }),
    );
  });
}

async function endedWithin(end, since, ms) {
  const e = await Promise.race([
    end,
    new Promise((_, reject) => setTimeout(() => reject(new Error('socket not ended')), 5000)),
  ]);
  assert.equal(e.reason, 'io server disconnect');
  assert.deepEqual(e.exception, { status: 'error', message: 'Token revoked' });
  assert.ok(e.at - since <= ms, `ended ${e.at - since} ms after`);
  return e.at - since;
}

test('logout on one node ends the sockets of that token on every node within 1 s', async () => {
  const alice = await registerAndLogin(n1);
  const sockets = [await connect(n2, alice.token), await connect(n3, alice.token, 'polling-only')];
  const ends = sockets.map(ended);
  const t0 = Date.now();
  const res = await api(n1, 'POST', '/api/auth/logout', { token: alice.token });
  assert.equal(res.status, 200);
  const ms = [];
  for (const end of ends) ms.push(await endedWithin(end, t0, 1000));
  console.log(`logout on node 1 -> sockets on nodes 2 and 3 ended after ${ms.join(', ')} ms`);
  // REST on the other nodes refuses it too, within the same second.
  for (const node of [n2, n3]) {
    await until(
      async () => (await api(node, 'GET', '/api/profile', { token: alice.token })).status === 401,
      `401 on node ${node.index + 1}`,
      1000 - (Date.now() - t0) + 200,
      20,
    );
  }
});

test('a password change on one node ends the other sessions on every node', async () => {
  const bob = await registerAndLogin(n3);
  const { email, password } = bob.credentials;
  const other = (await api(n2, 'POST', '/api/auth/login', { body: { email, password } })).body;
  const socket = await connect(n1, other.access_token);
  const end = ended(socket);
  const res = await api(n3, 'PUT', '/api/profile/password', {
    token: bob.token,
    body: { old_password: password, new_password: 'another password entirely' },
  });
  assert.equal(res.status, 200, res.text);
  // Counted from the answer: the change (two argon2id hashes) is committed by then.
  const ms = await endedWithin(end, Date.now(), 1000);
  console.log(`password change on node 3 answered -> socket on node 1 ended ${ms} ms later`);
  const refreshed = await api(n1, 'POST', '/api/auth/refresh', {
    body: { refresh_token: other.refresh_token },
  });
  assert.equal(refreshed.status, 401);
  // The fresh pair works everywhere.
  for (const node of cluster.nodes)
    assert.equal((await api(node, 'GET', '/api/profile', { token: res.body.data.access_token })).status, 200);
});

test('refresh token reuse detected on one node ends the session on the others', async () => {
  const carol = await registerAndLogin(n2);
  const first = (
    await api(n2, 'POST', '/api/auth/login', {
      body: { email: carol.credentials.email, password: carol.credentials.password },
    })
  ).body;
  const rotated = await api(n1, 'POST', '/api/auth/refresh', { body: { refresh_token: first.refresh_token } });
  assert.equal(rotated.status, 201);
  const socket = await connect(n3, rotated.body.access_token);
  const end = ended(socket);
  const t0 = Date.now();
  const replay = await api(n2, 'POST', '/api/auth/refresh', { body: { refresh_token: first.refresh_token } });
  assert.equal(replay.status, 401);
  await endedWithin(end, t0, 1000);
});
