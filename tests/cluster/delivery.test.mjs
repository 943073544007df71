// Three chatd nodes on one PostgreSQL and one Redis, clients spread over them: public broadcast
// and image_sent reach every socket on every node exactly once; private messages reach every
// device of both users wherever they are, never the sending socket; `read` receipts cross nodes;
// every message is stored once and is in the history on every node when it is delivered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, waitFor } from '../lib/chat-socket.mjs';
import { api, registerAndLogin, uploadChatImage } from '../lib/chatd.mjs';
import { startCluster, eventsOf, ready, sleep, until } from '../lib/cluster.mjs';

const tag = () => randomBytes(6).toString('hex');
const QUIET = 300; // a duplicate, or a delivery to the wrong socket, would have arrived by now

let cluster, n1, n2, n3;
let alice, bob, carol; // {user, token, sockets: {name: socket}}
let all = [];

before(async () => {
  cluster = await startCluster({ nodes: 3, name: import.meta.filename });
  [n1, n2, n3] = cluster.nodes;
  // Accounts made on different nodes: tokens from any node are accepted by all (same JWE_KEY).
  [alice, bob, carol] = await Promise.all([registerAndLogin(n1), registerAndLogin(n2), registerAndLogin(n3)]);
  alice.sockets = {
    a1: await connect(n1, alice.token, 'websocket'),
    a3: await connect(n3, alice.token, 'upgrade'),
  };
  bob.sockets = {
    b2: await connect(n2, bob.token, 'websocket'),
    b3: await connect(n3, bob.token, 'websocket'),
  };
  carol.sockets = {
    c1: await connect(n1, carol.token, 'polling-only'),
    c2: await connect(n2, carol.token, 'websocket'),
  };
  all = [alice, bob, carol].flatMap((u) => Object.values(u.sockets));
});

after(async () => {
  for (const s of all) s.close();
  await cluster?.cleanup();
});

test('every node reports Redis up on /ready', async () => {
  for (const node of cluster.nodes) {
    // Nodes connect to Redis in the background after they listen: give them a moment.
    const res = await until(async () => {
      const r = await ready(node);
      return r.body?.redis === 'up' && r;
    }, `redis up on node ${node.index + 1}`).catch(async () => ready(node));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'ready');
    assert.equal(res.body.database, 'up');
    assert.equal(res.body.redis, 'up');
  }
});

test('a token issued by one node is accepted by the others (REST and socket)', async () => {
  for (const node of cluster.nodes) {
    const res = await api(node, 'GET', '/api/profile', { token: alice.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.id, alice.user.id);
  }
});

test('public_message from node 1 reaches every socket on every node exactly once, the sender included', async () => {
  const text = 'hello cluster ' + tag();
  const ack = await alice.sockets.a1.timeout(5000).emitWithAck('public_message', text);
  assert.equal(typeof ack.id, 'number');
  const match = (p) => p.message === text;
  await waitFor(() => all.every((s) => eventsOf(s, 'public_message', match).length >= 1), 'broadcast on all nodes');
  await sleep(QUIET);
  for (const s of all) {
    const got = eventsOf(s, 'public_message', match);
    assert.equal(got.length, 1, 'exactly once per socket');
    assert.equal(got[0].id, ack.id);
    assert.equal(got[0].sender, alice.user.id);
    assert.equal(got[0].senderId, alice.user.id);
    assert.equal(got[0].username, alice.user.username);
    assert.equal(got[0].createdAt, ack.createdAt);
  }
});

test('a burst of public messages from every node: each socket gets each message once, in per-sender order', async () => {
  const t = tag();
  const senders = [alice.sockets.a1, bob.sockets.b2, carol.sockets.c2, alice.sockets.a3];
  const texts = [];
  await Promise.all(
    senders.map(async (s, k) => {
      for (let i = 0; i < 5; i++) {
        const text = `burst ${t} ${k} ${i}`;
        texts.push(text);
        await s.timeout(5000).emitWithAck('public_message', text);
      }
    }),
  );
  const mine = (p) => p.message.startsWith(`burst ${t} `);
  await waitFor(() => all.every((s) => eventsOf(s, 'public_message', mine).length >= texts.length), 'every burst message');
  await sleep(QUIET);
  for (const s of all) {
    const got = eventsOf(s, 'public_message', mine).map((p) => p.message);
    assert.equal(got.length, texts.length, 'no duplicates');
    assert.deepEqual([...got].sort(), [...texts].sort());
    for (let k = 0; k < senders.length; k++) {
      const seq = got.filter((m) => m.startsWith(`burst ${t} ${k} `));
      assert.deepEqual(seq, [0, 1, 2, 3, 4].map((i) => `burst ${t} ${k} ${i}`), 'one sender stays in order');
    }
  }
});

test('private_message from node 1 reaches the recipient on nodes 2 and 3 and the sender\'s device on node 3, not the sending socket', async () => {
  const text = 'psst ' + tag();
  const ack = await alice.sockets.a1.timeout(5000).emitWithAck('private_message', {
    recipientId: bob.user.id,
    message: text,
  });
  assert.equal(typeof ack.id, 'number');
  const match = (p) => p.message === text;
  const expected = [bob.sockets.b2, bob.sockets.b3, alice.sockets.a3];
  await waitFor(() => expected.every((s) => eventsOf(s, 'private_message', match).length >= 1), 'private delivery');
  await sleep(QUIET);
  for (const s of expected) {
    const got = eventsOf(s, 'private_message', match);
    assert.equal(got.length, 1, 'exactly once per device');
    assert.equal(got[0].id, ack.id);
    assert.equal(got[0].senderId, alice.user.id);
    assert.equal(got[0].recipientId, bob.user.id);
    assert.equal(got[0].createdAt, ack.createdAt);
  }
  assert.equal(eventsOf(alice.sockets.a1, 'private_message', match).length, 0, 'not echoed to the sending socket');
  for (const s of Object.values(carol.sockets)) assert.equal(eventsOf(s, 'private_message', match).length, 0);
});

test('pair rooms (join_room) on different nodes: each device still gets a private message once', async () => {
  // alice's node-3 device and carol's node-2 device join the pair room; the message goes to the
  // pair room and both user rooms, which overlap on every node.
  const a = await alice.sockets.a3.timeout(5000).emitWithAck('join_room', { recipientId: carol.user.id });
  const c = await carol.sockets.c2.timeout(5000).emitWithAck('join_room', { recipientId: alice.user.id });
  assert.equal(a.room, c.room);
  const text = 'pair ' + tag();
  await carol.sockets.c1.timeout(5000).emitWithAck('private_message', { recipientId: alice.user.id, message: text });
  const match = (p) => p.message === text;
  const expected = [alice.sockets.a1, alice.sockets.a3, carol.sockets.c2];
  await waitFor(() => expected.every((s) => eventsOf(s, 'private_message', match).length >= 1), 'pair delivery');
  await sleep(QUIET);
  for (const s of expected) assert.equal(eventsOf(s, 'private_message', match).length, 1, 'exactly once per device');
  assert.equal(eventsOf(carol.sockets.c1, 'private_message', match).length, 0, 'not the sending socket');
  for (const s of Object.values(bob.sockets)) assert.equal(eventsOf(s, 'private_message', match).length, 0);

  // The sending socket itself in the pair room: still left out, everywhere.
  const reply = 'pair reply ' + tag();
  await alice.sockets.a3.timeout(5000).emitWithAck('private_message', { recipientId: carol.user.id, message: reply });
  const rmatch = (p) => p.message === reply;
  const rexpected = [carol.sockets.c1, carol.sockets.c2, alice.sockets.a1];
  await waitFor(() => rexpected.every((s) => eventsOf(s, 'private_message', rmatch).length >= 1), 'reply delivery');
  await sleep(QUIET);
  for (const s of rexpected) assert.equal(eventsOf(s, 'private_message', rmatch).length, 1);
  assert.equal(eventsOf(alice.sockets.a3, 'private_message', rmatch).length, 0);
});

test('`read` receipts cross nodes: mark_read on node 2 and PUT /api/chat/read on node 3 reach the peer on nodes 1 and 3', async () => {
  const text = 'read me ' + tag();
  const ack = await alice.sockets.a1.timeout(5000).emitWithAck('private_message', { recipientId: bob.user.id, message: text });
  await waitFor(() => eventsOf(bob.sockets.b2, 'private_message', (p) => p.id === ack.id).length === 1, 'delivery');

  const receipt = (p) => p.readerId === bob.user.id && p.lastMessageId === ack.id;
  const res = await bob.sockets.b2.timeout(5000).emitWithAck('mark_read', { peerId: alice.user.id, lastMessageId: ack.id });
  assert.deepEqual(res, { unreadCount: 0 });
  const peers = [alice.sockets.a1, alice.sockets.a3];
  await waitFor(() => peers.every((s) => eventsOf(s, 'read', receipt).length >= 1), 'read on nodes 1 and 3');
  await sleep(QUIET);
  for (const s of peers) assert.equal(eventsOf(s, 'read', receipt).length, 1, 'exactly once per device');
  for (const s of Object.values(carol.sockets)) assert.equal(eventsOf(s, 'read', receipt).length, 0);

  // Over REST on another node: the same receipt, once more, to alice's devices.
  const put = await api(n3, 'PUT', `/api/chat/read/${alice.user.id}`, { token: bob.token, body: { lastMessageId: ack.id } });
  assert.equal(put.status, 200, put.text);
  await waitFor(() => peers.every((s) => eventsOf(s, 'read', receipt).length >= 2), 'REST read on nodes 1 and 3');
  await sleep(QUIET);
  for (const s of peers) assert.equal(eventsOf(s, 'read', receipt).length, 2);
  const conv = await api(n1, 'GET', '/api/chat/conversations', { token: bob.token });
  assert.equal(conv.body.data.find((c) => c.peer.id === alice.user.id).unreadCount, 0);
});

test('POST /api/chat/send-image on node 2: image_sent reaches every socket on every node once; a private image crosses nodes', async () => {
  const url = await uploadChatImage(n2, bob.token);
  const umatch = (p) => p.message.endsWith(url);
  await waitFor(() => all.every((s) => eventsOf(s, 'image_sent', umatch).length >= 1), 'image_sent on all nodes');
  await sleep(QUIET);
  for (const s of all) {
    const got = eventsOf(s, 'image_sent', umatch);
    assert.equal(got.length, 1, 'exactly once per socket (the uploader\'s devices included)');
    assert.equal(got[0].senderId, bob.user.id);
  }

  // The URL issued by node 2 is accepted by node 1 (shared blob store and database).
  const priv = await carol.sockets.c1.timeout(5000).emitWithAck('send_image', { recipientId: bob.user.id, imageUrl: url });
  assert.equal(typeof priv.id, 'number', JSON.stringify(priv));
  const match = (p) => p.id === priv.id;
  const expected = [bob.sockets.b2, bob.sockets.b3, carol.sockets.c2];
  await waitFor(() => expected.every((s) => eventsOf(s, 'image_sent', match).length >= 1), 'private image');
  await sleep(QUIET);
  for (const s of expected) assert.equal(eventsOf(s, 'image_sent', match).length, 1);
  assert.equal(eventsOf(carol.sockets.c1, 'image_sent', match).length, 0);
  for (const s of Object.values(alice.sockets)) assert.equal(eventsOf(s, 'image_sent', match).length, 0);
});

test('a message delivered on one node is already in the history on every node (stored before it crosses Redis)', async () => {
  for (let i = 0; i < 6; i++) {
    const text = `stored-first ${i} ${tag()}`;
    const priv = i % 2 === 1;
    const sender = [alice.sockets.a1, bob.sockets.b2, carol.sockets.c1][i % 3];
    const receiver = priv ? (sender === bob.sockets.b2 ? alice.sockets.a3 : bob.sockets.b3) : carol.sockets.c2;
    const event = priv ? 'private_message' : 'public_message';
    const seen = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${event} ${i} not delivered within 5 s`)), 5000);
      const handler = (p) => {
        if (p.message !== text) return;
        clearTimeout(timer);
        receiver.off(event, handler);
        resolve(p);
      };
      receiver.on(event, handler);
    });
    const recipientId = sender === bob.sockets.b2 ? alice.user.id : bob.user.id;
    if (priv) sender.emit('private_message', { recipientId, message: text });
    else sender.emit('public_message', text);
    const p = await seen;
    const reader = priv ? (recipientId === bob.user.id ? bob : alice) : carol;
    for (const node of cluster.nodes) {
      const res = priv
        ? await api(node, 'GET', `/api/chat/private/${p.senderId}?perPage=10`, { token: reader.token })
        : await api(node, 'GET', '/api/chat/public?perPage=10', { token: reader.token });
      assert.equal(res.status, 200);
      assert.ok(res.body.data.find((m) => m.id === p.id), `message ${p.id} is in node ${node.index + 1}'s history`);
    }
  }
});

test('every message is stored once: the history on each node lists each text once', async () => {
  const pub = await api(n3, 'GET', '/api/chat/public?perPage=100', { token: carol.token });
  assert.equal(pub.status, 200);
  const texts = pub.body.data.map((m) => m.content);
  assert.ok(texts.length >= 20, `public history has ${texts.length} messages`);
  assert.equal(new Set(texts).size, texts.length, 'no public message stored twice');
  assert.equal(new Set(pub.body.data.map((m) => m.id)).size, texts.length);
  const total = pub.body.meta.totalItems;
  for (const node of [n1, n2]) {
    const other = await api(node, 'GET', '/api/chat/public?perPage=100', { token: alice.token });
    assert.equal(other.body.meta.totalItems, total, 'every node sees the same history');
    assert.deepEqual(other.body.data.map((m) => m.id), pub.body.data.map((m) => m.id));
  }
  const priv = await api(n1, 'GET', `/api/chat/private/${alice.user.id}?perPage=100`, { token: bob.token });
  const ptexts = priv.body.data.filter((m) => m.type !== 'image').map((m) => m.content);
  assert.ok(ptexts.length >= 3);
  assert.equal(new Set(ptexts).size, ptexts.length, 'no private message stored twice');
});
