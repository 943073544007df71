// Edits and deletes (docs/events.md, "Edits and deletes"; docs/rest.md): edit_message,
// delete_message, PATCH and DELETE /api/chat/messages/:id. Only the sender changes a message,
// only those who may read it hear of it, a delete leaves a tombstone in history, a recovered
// client gets what it missed, and every refusal is a clear `exception`. Runs on SQLite and
// PostgreSQL (TEST_DATABASE).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, registerMany as people } from '../lib/chatd.mjs';
import { cutAndAwaitReconnect, eventsOf, sendPublic, storedIds, testScope, waitFor } from '../lib/chat-socket.mjs';

const scope = testScope();
const { start, client, sockets } = scope;
after(() => scope.cleanup());

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const emit = (socket, event, payload) => socket.timeout(5000).emitWithAck(event, payload);

test('edit_message: the sender edits, everyone who reads the conversation hears message_edited, history has it', async () => {
  const server = await start();
  const [a, b, c] = await people(server, 3);
  const [sa, sa2, sb, sc] = await sockets(server, a, a, b, c);
  const pub = await sendPublic(sa, 'helo world');
  const edited = await emit(sa, 'edit_message', { id: pub.id, message: 'hello world' });
  assert.equal(edited.id, pub.id);
  assert.equal(edited.message, 'hello world');
  assert.match(edited.editedAt, ISO);
  for (const s of [sa, sa2, sb, sc]) await waitFor(() => eventsOf(s, 'message_edited').length === 1, 'message_edited');
  for (const s of [sa, sa2, sb, sc]) assert.deepEqual(eventsOf(s, 'message_edited'), [edited]);
  const h = await api(server, 'GET', '/api/chat/public?perPage=5', { token: c.token });
  const m = h.body.data.find((x) => x.id === pub.id);
  assert.equal(m.content, 'hello world');
  assert.equal(m.editedAt, edited.editedAt);
  assert.equal(m.deleted, false);

  // Private: both users' devices hear it, nobody else.
  const priv = await emit(sa, 'private_message', { recipientId: b.user.id, message: 'see you at 5' });
  await waitFor(() => storedIds(sb).includes(priv.id), 'the private message at B');
  const res = await api(server, 'PATCH', `/api/chat/messages/${priv.id}`, { token: a.token, body: { message: 'see you at 6' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.message, 'Message edited');
  assert.equal(res.body.data.id, priv.id);
  assert.equal(res.body.data.content, 'see you at 6');
  assert.match(res.body.data.editedAt, ISO);
  assert.equal(res.body.data.recipientId, b.user.id);
  for (const s of [sa, sa2, sb]) await waitFor(() => eventsOf(s, 'message_edited').length === 2, 'the private edit');
  assert.deepEqual(eventsOf(sb, 'message_edited')[1], { id: priv.id, message: 'see you at 6', editedAt: res.body.data.editedAt });
  await sleep(200);
  assert.equal(eventsOf(sc, 'message_edited').length, 1, 'a stranger heard a private edit');
  const hb = await api(server, 'GET', `/api/chat/private/${a.user.id}`, { token: b.token });
  assert.equal(hb.body.data[0].content, 'see you at 6');
});

test('who may not: strangers get "message not found", the recipient and other readers get 403', async () => {
  const server = await start();
  const [a, b, c] = await people(server, 3);
  const [sa, sb, sc] = await sockets(server, a, b, c);
  const pub = await sendPublic(sa, 'public');
  const priv = await emit(sa, 'private_message', { recipientId: b.user.id, message: 'private' });

  const cases = [
    [sb, 'edit_message', { id: pub.id, message: 'x' }, 'you can only edit your own messages'],
    [sb, 'edit_message', { id: priv.id, message: 'x' }, 'you can only edit your own messages'],
    [sb, 'delete_message', { id: priv.id }, 'you can only delete your own messages'],
    [sc, 'edit_message', { id: priv.id, message: 'x' }, 'message not found'],
    [sc, 'delete_message', { id: priv.id }, 'message not found'],
    [sc, 'delete_message', { id: priv.id + 1000 }, 'message not found'],
  ];
  for (const [s, event, payload, message] of cases) {
    const before = eventsOf(s, 'exception').length;
    const ack = await emit(s, event, payload);
    assert.deepEqual(ack, { status: 'error', message }, `${event} ${JSON.stringify(payload)}`);
    await waitFor(() => eventsOf(s, 'exception').length === before + 1, 'the exception event');
    assert.deepEqual(eventsOf(s, 'exception').at(-1), { status: 'error', message });
  }
  const rest = [
    [b, 'PATCH', pub.id, { message: 'x' }, 403, 'you can only edit your own messages'],
    [c, 'PATCH', priv.id, { message: 'x' }, 404, 'message not found'],
    [c, 'DELETE', priv.id, undefined, 404, 'message not found'],
    [b, 'DELETE', priv.id, undefined, 403, 'you can only delete your own messages'],
  ];
  for (const [u, method, id, body, status, message] of rest) {
    const res = await api(server, method, `/api/chat/messages/${id}`, { token: u.token, body });
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.message, message);
  }
  const unauth = await api(server, 'DELETE', `/api/chat/messages/${pub.id}`);
  assert.equal(unauth.status, 401);
  const h = await api(server, 'GET', `/api/chat/private/${b.user.id}`, { token: a.token });
  assert.equal(h.body.data[0].content, 'private');
  assert.equal(h.body.data[0].deleted, false);
  assert.equal(eventsOf(sa, 'message_edited').length + eventsOf(sa, 'message_deleted').length, 0);
});

test('bad input: clear exception messages in order, REST 400s, and the socket goes on', async () => {
  const server = await start({ MAX_MESSAGE_LENGTH: '10' });
  const [a] = await people(server, 1);
  const [sa] = await sockets(server, a);
  const pub = await sendPublic(sa, 'short');
  const img = await api(server, 'GET', '/api/chat/public', { token: a.token });
  assert.equal(img.status, 200);
  const cases = [
    ['edit_message', 'nope', 'payload must be an object {id, message}'],
    ['edit_message', { message: 'x' }, 'id must be a positive integer'],
    ['edit_message', { id: -1, message: 'x' }, 'id must be a positive integer'],
    ['edit_message', { id: pub.id }, 'message must be a string'],
    ['edit_message', { id: pub.id, message: ' \u200b ' }, 'message must not be empty'],
    ['edit_message', { id: pub.id, message: 'far too long here' }, 'message must be at most 10 characters'],
    ['edit_message', { id: pub.id, message: 'a\u0000b' }, 'message must not contain NUL characters'],
    ['delete_message', null, 'payload must be an object {id}'],
    ['delete_message', { id: 'abc' }, 'id must be a positive integer'],
  ];
  for (const [event, payload, message] of cases)
    assert.deepEqual(await emit(sa, event, payload), { status: 'error', message }, JSON.stringify(payload));

  const bad = [
    ['PATCH', '/api/chat/messages/0', { message: 'x' }, 'id must be a positive integer'],
    ['PATCH', `/api/chat/messages/${pub.id}`, {}, ['message should not be empty']],
    ['PATCH', `/api/chat/messages/${pub.id}`, { message: 5 }, ['message must be a string']],
    ['PATCH', `/api/chat/messages/${pub.id}`, { message: '' }, ['message must not be empty']],
    ['DELETE', '/api/chat/messages/x', undefined, 'id must be a positive integer'],
  ];
  for (const [method, path, body, message] of bad) {
    const res = await api(server, method, path, { token: a.token, body });
    assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`);
    assert.deepEqual(res.body.message, message);
  }
  const ok = await emit(sa, 'edit_message', { id: pub.id, message: 'fine' });
  assert.equal(ok.message, 'fine');
});

test('delete_message: a tombstone stays in history, counts and read markers do not move, a repeat is accepted', async () => {
  const server = await start();
  const [a, b] = await people(server, 2);
  const [sa, sb] = await sockets(server, a, b);
  const p1 = await sendPublic(sa, 'one');
  const p2 = await sendPublic(sa, 'two');
  const m1 = await emit(sa, 'private_message', { recipientId: b.user.id, message: 'first' });
  const m2 = await emit(sa, 'private_message', { recipientId: b.user.id, message: 'oops', clientMsgId: 'k-oops' });
  const before = await api(server, 'GET', '/api/chat/public?perPage=50', { token: b.token });
  const convBefore = await api(server, 'GET', '/api/chat/conversations', { token: b.token });
  assert.equal(convBefore.body.data[0].unreadCount, 2);

  assert.deepEqual(await emit(sa, 'delete_message', { id: m2.id }), { id: m2.id, deleted: true });
  assert.deepEqual(await emit(sa, 'delete_message', { id: p2.id }), { id: p2.id, deleted: true });
  await waitFor(() => eventsOf(sb, 'message_deleted').length === 2, 'both deletes at B');
  assert.deepEqual(eventsOf(sb, 'message_deleted'), [{ id: m2.id }, { id: p2.id }]);

  // Again, by REST: accepted, nothing announced twice.
  const again = await api(server, 'DELETE', `/api/chat/messages/${m2.id}`, { token: a.token });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.deepEqual(again.body, { success: true, message: 'Message deleted', data: { id: m2.id, deleted: true } });
  // Edits of a tombstone are refused.
  assert.deepEqual(await emit(sa, 'edit_message', { id: m2.id, message: 'back' }), { status: 'error', message: 'message was deleted' });
  // Resending its clientMsgId is still a repeat: the first ack, nothing stored or delivered.
  const repeat = await emit(sa, 'private_message', { recipientId: b.user.id, message: 'oops', clientMsgId: 'k-oops' });
  assert.equal(repeat.id, m2.id);
  await sleep(200);
  assert.equal(eventsOf(sb, 'message_deleted').length, 2);
  assert.deepEqual(storedIds(sb), [p1.id, p2.id, m1.id, m2.id]);

  const pub = await api(server, 'GET', '/api/chat/public?perPage=50', { token: b.token });
  assert.equal(pub.body.meta.totalItems, before.body.meta.totalItems);
  const t = pub.body.data.find((x) => x.id === p2.id);
  assert.equal(t.deleted, true);
  assert.equal(t.content, '');
  assert.equal(t.blobUrl, null);
  const priv = await api(server, 'GET', `/api/chat/private/${a.user.id}`, { token: b.token });
  assert.equal(priv.body.meta.totalItems, 2);
  assert.deepEqual(priv.body.data.map((x) => [x.id, x.deleted, x.content]), [[m2.id, true, ''], [m1.id, false, 'first']]);
  const conv = await api(server, 'GET', '/api/chat/conversations', { token: b.token });
  assert.equal(conv.body.data[0].lastMessage.id, m2.id);
  assert.equal(conv.body.data[0].lastMessage.deleted, true);
  assert.equal(conv.body.data[0].unreadCount, 2, 'the tombstone still counts until read');
  const read = await api(server, 'PUT', `/api/chat/read/${a.user.id}`, { token: b.token, body: { lastMessageId: m2.id } });
  assert.equal(read.status, 200, JSON.stringify(read.body));
  assert.equal(read.body.data.lastMessageId, m2.id);
  assert.equal(read.body.data.unreadCount, 0);
});

test('recovery: a client away during an edit and a delete gets them when its session comes back', async () => {
  const server = await start();
  const [a, b] = await people(server, 2);
  const sa = await client(server, a.token, 800);
  const [sb] = await sockets(server, b);
  const kept = await sendPublic(sb, 'typo heer');
  const doomed = await sendPublic(sb, 'regrettable');
  const priv = await emit(sb, 'private_message', { recipientId: a.user.id, message: 'privte' });
  await waitFor(() => storedIds(sa).length === 3, 'three messages at A');

  const back = cutAndAwaitReconnect(sa);
  await waitFor(() => !sa.connected, 'A disconnected');
  const e1 = await emit(sb, 'edit_message', { id: kept.id, message: 'typo here' });
  const e2 = await emit(sb, 'edit_message', { id: priv.id, message: 'private' });
  await emit(sb, 'delete_message', { id: doomed.id });
  const sentAndGone = await sendPublic(sb, 'sent while A was away');
  await emit(sb, 'delete_message', { id: sentAndGone.id });
  const editedNew = await sendPublic(sb, 'new one');
  const e3 = await emit(sb, 'edit_message', { id: editedNew.id, message: 'new one, edited' });
  await back;
  assert.equal(sa.recovered, true, 'socket.recovered');
  await waitFor(() => storedIds(sa).includes(editedNew.id), 'the missed messages');
  await waitFor(() => eventsOf(sa, 'message_deleted').length >= 2, 'the deletes');
  assert.deepEqual(eventsOf(sa, 'message_edited'), [e1, e2]);
  assert.deepEqual(eventsOf(sa, 'message_deleted', (d) => d.id === doomed.id), [{ id: doomed.id }]);
  // A message stored and deleted while it was away comes as message_deleted, carrying its offset.
  const tomb = sa.received.find((r) => r.event === 'message_deleted' && r.args[0].id === sentAndGone.id);
  assert.deepEqual(tomb.args, [{ id: sentAndGone.id }, String(sentAndGone.id)]);
  // One edited while it was away comes as it is stored now.
  const fresh = sa.received.find((r) => r.event === 'public_message' && r.args[0].id === editedNew.id);
  assert.equal(fresh.args[0].message, 'new one, edited');
  assert.equal(fresh.args[0].editedAt, e3.editedAt);
  assert.equal(sa._lastOffset, String(editedNew.id));
});

test('edits and deletes count against the message rate limit', async () => {
  const server = await start({ MESSAGE_RATE_PER_SECOND: '0.01', MESSAGE_BURST: '2', MESSAGE_RATE_WAIT_MS: '0' });
  const [a] = await people(server, 1);
  const [sa] = await sockets(server, a);
  const m = await sendPublic(sa, 'one');
  const e = await emit(sa, 'edit_message', { id: m.id, message: 'two' });
  assert.equal(e.message, 'two');
  const limited = { status: 'error', message: 'rate limit exceeded: too many messages, slow down' };
  assert.deepEqual(await emit(sa, 'edit_message', { id: m.id, message: 'three' }), limited);
  assert.deepEqual(await emit(sa, 'delete_message', { id: m.id }), limited);
  const res = await api(server, 'DELETE', `/api/chat/messages/${m.id}`, { token: a.token });
  assert.equal(res.status, 429);
  const h = await api(server, 'GET', '/api/chat/public', { token: a.token });
  assert.equal(h.body.data[0].content, 'two');
});

test('a group message: its members hear the edit and the delete, others get "message not found"', async () => {
  const server = await start();
  const [a, b, c] = await people(server, 3);
  const created = await api(server, 'POST', '/api/groups', { token: a.token, body: { name: 'team', memberIds: [b.user.id] } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const groupId = created.body.data.id;
  const [sa, sb, sc] = await sockets(server, a, b, c);
  const m = await emit(sa, 'group_message', { groupId, message: 'team helo' });
  assert.equal(typeof m.id, 'number', JSON.stringify(m));
  assert.deepEqual(await emit(sc, 'edit_message', { id: m.id, message: 'x' }), { status: 'error', message: 'message not found' });
  assert.deepEqual(await emit(sb, 'edit_message', { id: m.id, message: 'x' }), { status: 'error', message: 'you can only edit your own messages' });
  const e = await emit(sa, 'edit_message', { id: m.id, message: 'team hello' });
  await waitFor(() => eventsOf(sb, 'message_edited').length === 1, 'the edit at B');
  assert.deepEqual(eventsOf(sb, 'message_edited'), [e]);
  assert.deepEqual(await emit(sa, 'delete_message', { id: m.id }), { id: m.id, deleted: true });
  await waitFor(() => eventsOf(sb, 'message_deleted').length === 1, 'the delete at B');
  await sleep(200);
  assert.equal(eventsOf(sc, 'message_edited').length + eventsOf(sc, 'message_deleted').length, 0);
});
