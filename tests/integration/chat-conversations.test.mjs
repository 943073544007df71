// Conversations (peer, last message as history shows it, unread count, most recent first), read
// markers over the socket (mark_read) and REST (PUT /api/chat/read/:peerId) with `read` receipts
// to the peer's devices, and who may read which private history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, waitFor } from '../lib/chat-socket.mjs';
import { startChatd, api, registerAndLogin } from '../lib/chatd.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const reads = (s) => s.received.filter((r) => r.event === 'read').map((r) => r.args[0]);

let server;
let alice, bob, carol;

before(async () => {
  server = await startChatd({ env: { MESSAGE_RATE_PER_SECOND: '0' } });
  [alice, bob, carol] = await Promise.all([
    registerAndLogin(server),
    registerAndLogin(server),
    registerAndLogin(server),
  ]);
  alice.sockets = [await connect(server, alice.token, 'websocket'), await connect(server, alice.token, 'upgrade')];
  bob.sockets = [await connect(server, bob.token, 'upgrade'), await connect(server, bob.token, 'websocket')];
  carol.sockets = [await connect(server, carol.token, 'websocket'), await connect(server, carol.token, 'upgrade')];
});

after(async () => {
  for (const u of [alice, bob, carol]) for (const s of u?.sockets ?? []) s.close();
  await server?.cleanup();
});

async function pm(from, to, message, device = 0) {
  const ack = await from.sockets[device].timeout(5000).emitWithAck('private_message', { recipientId: to.user.id, message });
  assert.equal(typeof ack.id, 'number', JSON.stringify(ack));
  return ack.id;
}

async function conversations(who) {
  const res = await api(server, 'GET', '/api/chat/conversations', { token: who.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.success, true);
  assert.equal(typeof res.body.message, 'string');
  return res.body.data;
}

const ids = {};

test('conversations list the peer, the last message and the unread count, most recent first', async () => {
  assert.deepEqual(await conversations(bob), []);
  ids.a1 = await pm(alice, bob, 'a1');
  ids.a2 = await pm(alice, bob, 'a2', 1);
  ids.a3 = await pm(alice, bob, 'a3');
  ids.c1 = await pm(carol, bob, 'c1');
  ids.c2 = await pm(carol, bob, 'c2');
  ids.b1 = await pm(bob, carol, 'b1');
  // Public messages are no conversation.
  await alice.sockets[0].timeout(5000).emitWithAck('public_message', 'to everyone');

  const list = await conversations(bob);
  assert.equal(list.length, 2);
  assert.deepEqual(list.map((c) => c.peer.id), [carol.user.id, alice.user.id]);
  const [withCarol, withAlice] = list;
  assert.deepEqual(withCarol.peer, { id: carol.user.id, username: carol.user.username, profile_image: null });
  assert.equal(withCarol.unreadCount, 2); // bob's own reply does not count
  assert.equal(withCarol.lastMessage.id, ids.b1);
  assert.equal(withCarol.lastMessage.content, 'b1');
  assert.equal(withCarol.lastMessage.senderId, bob.user.id);
  assert.equal(withCarol.lastMessage.recipientId, carol.user.id);
  assert.equal(withCarol.lastMessage.isPublic, false);
  for (const k of ['id', 'content', 'blobUrl', 'isPublic', 'senderId', 'recipientId', 'createdAt', 'updatedAt'])
    assert.ok(k in withCarol.lastMessage, k);
  assert.equal(withAlice.unreadCount, 3);
  assert.equal(withAlice.lastMessage.id, ids.a3);

  // The other sides.
  const forAlice = await conversations(alice);
  assert.deepEqual(forAlice.map((c) => [c.peer.id, c.unreadCount]), [[bob.user.id, 0]]);
  const forCarol = await conversations(carol);
  assert.deepEqual(forCarol.map((c) => [c.peer.id, c.unreadCount, c.lastMessage.id]), [[bob.user.id, 1, ids.b1]]);

  // A new message moves its conversation to the top.
  ids.a4 = await pm(alice, bob, 'a4');
  const again = await conversations(bob);
  assert.deepEqual(again.map((c) => [c.peer.id, c.unreadCount]), [
    [alice.user.id, 4],
    [carol.user.id, 2],
  ]);
});

test('mark_read over the socket: ack with the unread count left, `read` to every device of the peer', async () => {
  const reader = bob.sockets[0];
  const aliceBefore = alice.sockets.map((s) => reads(s).length);
  const partial = await reader.timeout(5000).emitWithAck('mark_read', { peerId: alice.user.id, lastMessageId: ids.a2 });
  assert.deepEqual(partial, { unreadCount: 2 });
  let list = await conversations(bob);
  assert.equal(list.find((c) => c.peer.id === alice.user.id).unreadCount, 2);

  const all = await reader.timeout(5000).emitWithAck('mark_read', { peerId: alice.user.id, lastMessageId: ids.a4 });
  assert.deepEqual(all, { unreadCount: 0 });
  list = await conversations(bob);
  assert.equal(list.find((c) => c.peer.id === alice.user.id).unreadCount, 0);
  assert.equal(list.find((c) => c.peer.id === carol.user.id).unreadCount, 2, 'other conversations untouched');

  await waitFor(() => alice.sockets.every((s, i) => reads(s).length === aliceBefore[i] + 2), 'read receipts');
  for (const s of alice.sockets)
    assert.deepEqual(reads(s).slice(-2), [
      { readerId: bob.user.id, lastMessageId: ids.a2 },
      { readerId: bob.user.id, lastMessageId: ids.a4 },
    ]);
  await sleep(100);
  for (const s of carol.sockets) assert.equal(reads(s).length, 0, 'nobody else hears of it');

  // The marker never moves back.
  const back = await reader.timeout(5000).emitWithAck('mark_read', { peerId: alice.user.id, lastMessageId: ids.a1 });
  assert.deepEqual(back, { unreadCount: 0 });
  // Numeric strings are accepted like numbers.
  const str = await reader.timeout(5000).emitWithAck('mark_read', { peerId: String(alice.user.id), lastMessageId: String(ids.a4) });
  assert.deepEqual(str, { unreadCount: 0 });
});

test('PUT /api/chat/read/:peerId resets the unread count and notifies the peer', async () => {
  const carolBefore = carol.sockets.map((s) => reads(s).length);
  const res = await api(server, 'PUT', `/api/chat/read/${carol.user.id}`, {
    token: bob.token,
    body: { lastMessageId: ids.c2 },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.success, true);
  assert.equal(res.body.data.unreadCount, 0);
  const list = await conversations(bob);
  assert.equal(list.find((c) => c.peer.id === carol.user.id).unreadCount, 0);
  await waitFor(() => carol.sockets.every((s, i) => reads(s).length === carolBefore[i] + 1), 'read receipt');
  for (const s of carol.sockets) assert.deepEqual(reads(s).at(-1), { readerId: bob.user.id, lastMessageId: ids.c2 });

  // Bad input.
  const cases = [
    [`/api/chat/read/${carol.user.id}`, {}, 400],
    [`/api/chat/read/${carol.user.id}`, { lastMessageId: 'x' }, 400],
    [`/api/chat/read/${carol.user.id}`, { lastMessageId: -1 }, 400],
    ['/api/chat/read/abc', { lastMessageId: 1 }, 400],
    ['/api/chat/read/999999', { lastMessageId: 1 }, 404],
    [`/api/chat/read/${bob.user.id}`, { lastMessageId: 1 }, 400], // oneself
  ];
  for (const [path, body, status] of cases) {
    const r = await api(server, 'PUT', path, { token: bob.token, body });
    assert.equal(r.status, status, `${path} ${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
    assert.equal(r.body.success, false);
  }
  const unauth = await api(server, 'PUT', `/api/chat/read/${carol.user.id}`, { body: { lastMessageId: 1 } });
  assert.equal(unauth.status, 401);
});

test('a marker past the latest message does not pre-read later messages, and its receipt names a real one', async () => {
  const first = await pm(alice, carol, 'before the marker');
  const aliceBefore = alice.sockets.map((s) => reads(s).length);
  const r = await api(server, 'PUT', `/api/chat/read/${alice.user.id}`, {
    token: carol.token,
    body: { lastMessageId: 1e9 },
  });
  assert.equal(r.status, 200);
  assert.equal(r.body.data.unreadCount, 0);
  assert.equal(r.body.data.lastMessageId, first);
  // The receipt says "read up to the newest message", not up to an id yet to come.
  await waitFor(() => alice.sockets.every((s, i) => reads(s).length === aliceBefore[i] + 1), 'receipt');
  for (const s of alice.sockets) assert.deepEqual(reads(s).at(-1), { readerId: carol.user.id, lastMessageId: first });
  await pm(alice, carol, 'later');
  const list = await conversations(carol);
  assert.equal(list.find((c) => c.peer.id === alice.user.id).unreadCount, 1);
  // An id of a message elsewhere names the newest message of this conversation before it.
  const { id: elsewhere } = await bob.sockets[0].timeout(5000).emitWithAck('public_message', 'elsewhere');
  const ack = await carol.sockets[0].timeout(5000).emitWithAck('mark_read', { peerId: alice.user.id, lastMessageId: elsewhere });
  assert.deepEqual(ack, { unreadCount: 0 });
  await waitFor(() => alice.sockets.every((s) => reads(s).at(-1).lastMessageId !== first), 'second receipt');
  assert.ok(reads(alice.sockets[0]).at(-1).lastMessageId < elsewhere);
});

test('GET /api/chat/private/:from/:to: 403 for a third user, both directions for participants', async () => {
  const path = (a, b) => `/api/chat/private/${a.user.id}/${b.user.id}`;
  for (const p of [path(alice, bob), path(bob, alice)]) {
    const res = await api(server, 'GET', p, { token: carol.token });
    assert.equal(res.status, 403);
    assert.equal(res.body.success, false);
    assert.equal(res.body.statusCode, 403);
    assert.equal(res.body.code, 403);
  }
  const expected = [ids.a4, ids.a3, ids.a2, ids.a1];
  for (const [who, p] of [
    [alice, path(alice, bob)],
    [alice, path(bob, alice)],
    [bob, path(alice, bob)],
    [bob, path(bob, alice)],
  ]) {
    const res = await api(server, 'GET', p, { token: who.token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data.map((m) => m.id), expected);
    assert.equal(res.body.meta.totalItems, 4);
  }
  // Both directions of bob ↔ carol are in one history.
  const bc = await api(server, 'GET', path(carol, bob), { token: carol.token });
  assert.deepEqual(bc.body.data.map((m) => m.content), ['b1', 'c2', 'c1']);
  // Non-numeric ids → 400; no token → 401.
  assert.equal((await api(server, 'GET', `/api/chat/private/x/${bob.user.id}`, { token: bob.token })).status, 400);
  assert.equal((await api(server, 'GET', path(alice, bob))).status, 401);
});

test('GET /api/chat/private/:userId is the caller\'s conversation with that user', async () => {
  const mine = await api(server, 'GET', `/api/chat/private/${alice.user.id}?perPage=2`, { token: bob.token });
  assert.equal(mine.status, 200);
  assert.deepEqual(mine.body.data.map((m) => m.id), [ids.a4, ids.a3]);
  assert.equal(mine.body.meta.totalItems, 4);
  assert.equal(mine.body.meta.totalPages, 2);
  const cursor = await api(server, 'GET', `/api/chat/private/${alice.user.id}?before=${ids.a3}`, { token: bob.token });
  assert.deepEqual(cursor.body.data.map((m) => m.id), [ids.a2, ids.a1]);
  const theirs = await api(server, 'GET', `/api/chat/private/${bob.user.id}`, { token: carol.token });
  assert.deepEqual(theirs.body.data.map((m) => m.content), ['b1', 'c2', 'c1']);
  const none = await api(server, 'GET', `/api/chat/private/${carol.user.id}`, { token: bob.token });
  assert.equal(none.body.data.length, 3);
  assert.equal((await api(server, 'GET', '/api/chat/private/999999', { token: bob.token })).status, 404);
  assert.equal((await api(server, 'GET', '/api/chat/private/abc', { token: bob.token })).status, 400);
});

test('lastMessage is a Message as history shows it: reactions (mine for the caller), replyTo, editedAt, deleted', async () => {
  const [dave, erin] = await Promise.all([registerAndLogin(server), registerAndLogin(server)]);
  const [sd, se] = [await connect(server, dave.token), await connect(server, erin.token)];
  try {
    const emit = (s, event, payload) => s.timeout(5000).emitWithAck(event, payload);
    const lastOf = async (who, pick) => (await conversations(who)).find(pick).lastMessage;
    const newest = async (who, path) => {
      const h = await api(server, 'GET', path, { token: who.token });
      assert.equal(h.status, 200, JSON.stringify(h.body));
      return h.body.data[0];
    };
    const q = await emit(sd, 'private_message', { recipientId: erin.user.id, message: 'lunch?' });
    const r = await emit(se, 'private_message', { recipientId: dave.user.id, message: 'yes', replyTo: q.id });
    const put = await api(server, 'PUT', `/api/chat/messages/${r.id}/reactions/:yum:`, { token: dave.token });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const edited = await api(server, 'PATCH', `/api/chat/messages/${r.id}`, { token: erin.token, body: { message: 'yes!' } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    // The edit's answer is that Message too.
    assert.deepEqual(edited.body.data, await newest(erin, `/api/chat/private/${dave.user.id}`));

    const toErin = (c) => c.peer?.id === erin.user.id;
    const seen = await lastOf(dave, toErin);
    assert.deepEqual(seen, await newest(dave, `/api/chat/private/${erin.user.id}`));
    assert.equal(seen.id, r.id);
    assert.equal(seen.content, 'yes!');
    assert.equal(seen.editedAt, edited.body.data.editedAt);
    assert.deepEqual(seen.reactions, [{ emoji: ':yum:', count: 1, mine: true }]);
    assert.deepEqual(seen.replyTo, { id: q.id, senderId: dave.user.id, username: dave.user.username, type: 'text', preview: 'lunch?' });
    const theirs = await lastOf(erin, (c) => c.peer?.id === dave.user.id);
    assert.deepEqual(theirs.reactions, [{ emoji: ':yum:', count: 1, mine: false }]);

    // A group's last message, the same way.
    const created = await api(server, 'POST', '/api/groups', { token: dave.token, body: { name: 'lunch club', memberIds: [erin.user.id] } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const groupId = created.body.data.id;
    const [gd, ge] = [await connect(server, dave.token), await connect(server, erin.token)];
    try {
      const gq = await emit(gd, 'group_message', { groupId, message: 'where?' });
      const gr = await emit(ge, 'group_message', { groupId, message: 'the usual', replyTo: gq.id });
      assert.equal((await emit(gd, 'react', { id: gr.id, emoji: ':+1:' })).on, true);
      const inGroup = (c) => c.type === 'group' && c.group.id === groupId;
      const glast = await lastOf(dave, inGroup);
      assert.deepEqual(glast, await newest(dave, `/api/chat/groups/${groupId}`));
      assert.deepEqual(glast.reactions, [{ emoji: ':+1:', count: 1, mine: true }]);
      assert.equal(glast.replyTo.id, gq.id);
    } finally {
      gd.close();
      ge.close();
    }

    // Deleted: a tombstone with no reactions, as in history.
    assert.equal((await api(server, 'DELETE', `/api/chat/messages/${r.id}`, { token: erin.token })).status, 200);
    const gone = await lastOf(dave, toErin);
    assert.deepEqual(gone, await newest(dave, `/api/chat/private/${erin.user.id}`));
    assert.equal(gone.deleted, true);
    assert.equal(gone.content, '');
    assert.deepEqual(gone.reactions, []);
  } finally {
    sd.close();
    se.close();
  }
});

test('the chat routes are in the OpenAPI document', async () => {
  const res = await api(server, 'GET', '/api-docs-json');
  assert.equal(res.status, 200);
  const paths = res.body.paths;
  for (const [path, method] of [
    ['/api/chat/public', 'get'],
    ['/api/chat/private/{from}/{to}', 'get'],
    ['/api/chat/private/{userId}', 'get'],
    ['/api/chat/conversations', 'get'],
    ['/api/chat/read/{peerId}', 'put'],
  ])
    assert.ok(paths[path]?.[method], `${method.toUpperCase()} ${path}`);
});
