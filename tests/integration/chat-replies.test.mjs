// Replies (docs/events.md, "Replies"): public_message, private_message, group_message and
// send_image take replyTo: <id> of a message of the same conversation; the event, the history and
// recovery carry replyTo {id, senderId, username, type, preview} of the answered message as it is
// now ({id, deleted: true} once deleted); a reply to another conversation's message, an unknown
// id or a tombstone is refused and stores nothing. Runs on SQLite and PostgreSQL (TEST_DATABASE).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, registerMany as people, uploadChatImage } from '../lib/chatd.mjs';
import { cutAndAwaitReconnect, eventsOf, sendPublic, storedIds, testScope, waitFor } from '../lib/chat-socket.mjs';

const scope = testScope();
const { start, client, sockets } = scope;
after(() => scope.cleanup());

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const emit = (socket, event, payload) => socket.timeout(5000).emitWithAck(event, payload);

test('a reply carries replyTo with a preview, live and in history, in public, private and group conversations', async () => {
  const server = await start();
  const [a, b, c] = await people(server, 3);
  const [sa, sa2, sb, sc] = await sockets(server, a, a, b, c);
  const long = 'x'.repeat(90) + 'ÿ€😀'.repeat(10);
  const q = await sendPublic(sa, long);
  const r = await emit(sb, 'public_message', { message: 'agreed', replyTo: q.id });
  for (const s of [sa, sc]) await waitFor(() => storedIds(s).includes(r.id), 'the public reply');
  const ev = eventsOf(sc, 'public_message', (m) => m.id === r.id)[0];
  const preview = 'x'.repeat(90) + 'ÿ€😀ÿ€😀ÿ€😀ÿ'; // the first 100 code points
  assert.deepEqual(ev.replyTo, { id: q.id, senderId: a.user.id, username: a.user.username, type: 'text', preview });
  assert.equal(eventsOf(sc, 'public_message', (m) => m.id === q.id)[0].replyTo, undefined);

  const pq = await emit(sa, 'private_message', { recipientId: b.user.id, message: 'dinner at 8?' });
  const pr = await emit(sb, 'private_message', { recipientId: a.user.id, message: 'yes', replyTo: pq.id });
  for (const s of [sa, sa2]) await waitFor(() => storedIds(s).includes(pr.id), 'the private reply at both of A’s devices');
  assert.deepEqual(eventsOf(sa2, 'private_message', (m) => m.id === pr.id)[0].replyTo,
    { id: pq.id, senderId: a.user.id, username: a.user.username, type: 'text', preview: 'dinner at 8?' });

  const created = await api(server, 'POST', '/api/groups', { token: a.token, body: { name: 'team', memberIds: [b.user.id] } });
  const groupId = created.body.data.id;
  const [ga, gb] = await sockets(server, a, b);
  const gq = await emit(ga, 'group_message', { groupId, message: 'ship it?' });
  const gr = await emit(gb, 'group_message', { groupId, message: 'shipping', replyTo: gq.id });
  await waitFor(() => storedIds(ga).includes(gr.id), 'the group reply');
  assert.equal(eventsOf(ga, 'group_message', (m) => m.id === gr.id)[0].replyTo.preview, 'ship it?');

  // History: the preview follows an edit, a deletion leaves {id, deleted: true}.
  await emit(sa, 'edit_message', { id: pq.id, message: 'dinner at 9?' });
  const h = await api(server, 'GET', `/api/chat/private/${a.user.id}`, { token: b.token });
  assert.deepEqual(h.body.data[0].replyTo, { id: pq.id, senderId: a.user.id, username: a.user.username, type: 'text', preview: 'dinner at 9?' });
  assert.equal(h.body.data[1].replyTo, null);
  await emit(sa, 'delete_message', { id: q.id });
  const hp = await api(server, 'GET', '/api/chat/public?perPage=5', { token: c.token });
  assert.deepEqual(hp.body.data.find((m) => m.id === r.id).replyTo, { id: q.id, deleted: true });
  const hg = await api(server, 'GET', `/api/chat/groups/${groupId}`, { token: a.token });
  assert.equal(hg.body.data[0].replyTo.id, gq.id);
});

test('images: a reply to an image has an image preview; an image may answer a message', async () => {
  const server = await start();
  const [a, b] = await people(server, 2);
  const [sa, sb] = await sockets(server, a, b);
  const url = await uploadChatImage(server, a.token);
  const img = await emit(sa, 'send_image', { imageUrl: url, recipientId: b.user.id });
  const r = await emit(sb, 'private_message', { recipientId: a.user.id, message: 'nice photo', replyTo: img.id });
  await waitFor(() => storedIds(sa).includes(r.id), 'the reply');
  assert.deepEqual(eventsOf(sa, 'private_message', (m) => m.id === r.id)[0].replyTo,
    { id: img.id, senderId: a.user.id, username: a.user.username, type: 'image', preview: '[image]' });
  const again = await emit(sa, 'send_image', { imageUrl: url, recipientId: b.user.id, replyTo: r.id });
  await waitFor(() => storedIds(sb).includes(again.id), 'the image reply');
  assert.equal(eventsOf(sb, 'image_sent', (m) => m.id === again.id)[0].replyTo.preview, 'nice photo');
});

test('who may not, and bad input: another conversation, unknown ids, tombstones; nothing stored', async () => {
  const server = await start();
  const [a, b, c] = await people(server, 3);
  const [sa, sb, sc] = await sockets(server, a, b, c);
  const priv = await emit(sa, 'private_message', { recipientId: b.user.id, message: 'secret' });
  const pub = await sendPublic(sa, 'public');
  const gone = await sendPublic(sa, 'gone');
  await emit(sa, 'delete_message', { id: gone.id });
  const other = 'replyTo must be a message of this conversation';
  const cases = [
    [sc, 'public_message', { message: 'x', replyTo: priv.id }, other],
    [sc, 'private_message', { recipientId: a.user.id, message: 'x', replyTo: priv.id }, other],
    [sa, 'private_message', { recipientId: c.user.id, message: 'x', replyTo: priv.id }, other],
    [sb, 'private_message', { recipientId: a.user.id, message: 'x', replyTo: pub.id }, other],
    [sa, 'public_message', { message: 'x', replyTo: priv.id }, other],
    [sa, 'public_message', { message: 'x', replyTo: gone.id + 1000 }, other],
    [sa, 'public_message', { message: 'x', replyTo: gone.id }, 'replyTo: message was deleted'],
    [sa, 'public_message', { message: 'x', replyTo: 'abc' }, 'replyTo must be a positive integer'],
    [sa, 'public_message', { message: 'x', replyTo: -3 }, 'replyTo must be a positive integer'],
    [sa, 'group_message', { groupId: 99999, message: 'x', replyTo: pub.id }, 'Group not found'],
  ];
  for (const [s, event, payload, message] of cases)
    assert.deepEqual(await emit(s, event, payload), { status: 'error', message }, `${event} ${JSON.stringify(payload)}`);
  await sleep(200);
  const h = await api(server, 'GET', '/api/chat/public?perPage=50', { token: a.token });
  assert.equal(h.body.meta.totalItems, 2, 'a refused reply was stored');
  // null is no reply; the socket goes on.
  const ok = await emit(sa, 'public_message', { message: 'fine', replyTo: null });
  assert.equal(typeof ok.id, 'number');
  const okReply = await emit(sc, 'public_message', { message: 'ok', replyTo: pub.id });
  await waitFor(() => storedIds(sa).includes(okReply.id), 'a good reply');
});

test('recovery: a missed reply comes with its replyTo', async () => {
  const server = await start();
  const [a, b] = await people(server, 2);
  const sa = await client(server, a.token, 800);
  const [sb] = await sockets(server, b);
  const q = await sendPublic(sa, 'anyone?');
  await waitFor(() => storedIds(sa).includes(q.id), 'the question');
  const back = cutAndAwaitReconnect(sa);
  await waitFor(() => !sa.connected, 'A disconnected');
  const r = await emit(sb, 'public_message', { message: 'me', replyTo: q.id });
  await back;
  assert.equal(sa.recovered, true);
  await waitFor(() => storedIds(sa).includes(r.id), 'the missed reply');
  assert.deepEqual(eventsOf(sa, 'public_message', (m) => m.id === r.id)[0].replyTo,
    { id: q.id, senderId: a.user.id, username: a.user.username, type: 'text', preview: 'anyone?' });
});
