// Reactions (docs/events.md, "Reactions"; docs/rest.md): react {id, emoji} toggles the caller's
// reaction, PUT/DELETE /api/chat/messages/:id/reactions/:emoji set it; everyone who may read
// the conversation hears reaction {id, emoji, userId, on}; history and recovery carry the
// aggregate reactions [{emoji, count, mine}]; strangers, tombstones, bad emojis and too many
// emojis are refused with clear errors. Runs on SQLite and PostgreSQL (TEST_DATABASE).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, registerMany as people } from '../lib/chatd.mjs';
import { cutAndAwaitReconnect, eventsOf, sendPublic, storedIds, testScope, waitFor } from '../lib/chat-socket.mjs';

const scope = testScope();
const { start, client, sockets } = scope;
after(() => scope.cleanup());

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const THUMBS = '\u{1F44D}';
const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';

const emit = (socket, event, payload) => socket.timeout(5000).emitWithAck(event, payload);
const reactionPath = (id, emoji) => `/api/chat/messages/${id}/reactions/${encodeURIComponent(emoji)}`;

test('react toggles; every device of everyone in the conversation hears it; history aggregates with mine', async () => {
  const server = await start();
  const [a, b, c] = await people(server, 3);
  const [sa, sa2, sb, sc] = await sockets(server, a, a, b, c);
  const pub = await sendPublic(sa, 'vote here');

  const on = await emit(sb, 'react', { id: pub.id, emoji: THUMBS });
  assert.deepEqual(on, { id: pub.id, emoji: THUMBS, on: true, reactions: [{ emoji: THUMBS, count: 1, mine: true }] });
  const event = { id: pub.id, emoji: THUMBS, userId: b.user.id, on: true };
  for (const s of [sa, sa2, sb, sc]) await waitFor(() => eventsOf(s, 'reaction').length === 1, 'reaction');
  for (const s of [sa, sa2, sb, sc]) assert.deepEqual(eventsOf(s, 'reaction'), [event]);

  const both = await emit(sa, 'react', { id: pub.id, emoji: THUMBS });
  assert.deepEqual(both.reactions, [{ emoji: THUMBS, count: 2, mine: true }]);
  await emit(sa, 'react', { id: pub.id, emoji: FAMILY });
  const short = await emit(sc, 'react', { id: pub.id, emoji: ':tada:' });
  assert.equal(short.on, true);
  for (const s of [sa, sb]) await waitFor(() => eventsOf(s, 'reaction').length === 4, 'four reactions');

  const hb = await api(server, 'GET', '/api/chat/public?perPage=5', { token: b.token });
  const mb = hb.body.data.find((x) => x.id === pub.id);
  assert.deepEqual(mb.reactions, [
    { emoji: THUMBS, count: 2, mine: true },
    { emoji: FAMILY, count: 1, mine: false },
    { emoji: ':tada:', count: 1, mine: false },
  ]);
  const hc = await api(server, 'GET', '/api/chat/public?perPage=5', { token: c.token });
  assert.deepEqual(hc.body.data.find((x) => x.id === pub.id).reactions.map((r) => r.mine), [false, false, true]);

  // Toggling again takes it back: on false to everyone.
  const off = await emit(sb, 'react', { id: pub.id, emoji: THUMBS });
  assert.deepEqual(off, { id: pub.id, emoji: THUMBS, on: false, reactions: [
    { emoji: THUMBS, count: 1, mine: false }, { emoji: FAMILY, count: 1, mine: false }, { emoji: ':tada:', count: 1, mine: false }] });
  for (const s of [sa, sc]) await waitFor(() => eventsOf(s, 'reaction').length === 5, 'the take-back');
  assert.deepEqual(eventsOf(sc, 'reaction').at(-1), { ...event, on: false });
  const fresh = await api(server, 'GET', '/api/chat/public?perPage=5', { token: a.token });
  const other = fresh.body.data.find((x) => x.id !== pub.id);
  if (other) assert.deepEqual(other.reactions, []);
});

test('REST: PUT adds, DELETE removes, both idempotent; private and group conversations reach only their people', async () => {
  const server = await start();
  const [a, b, c] = await people(server, 3);
  const [sa, sb, sc] = await sockets(server, a, b, c);
  const priv = await emit(sa, 'private_message', { recipientId: b.user.id, message: 'dinner?' });
  await waitFor(() => storedIds(sb).includes(priv.id), 'the private message at B');

  const put = await api(server, 'PUT', reactionPath(priv.id, THUMBS), { token: b.token });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.deepEqual(put.body, { success: true, message: 'Reaction added',
    data: { id: priv.id, emoji: THUMBS, on: true, reactions: [{ emoji: THUMBS, count: 1, mine: true }] } });
  const again = await api(server, 'PUT', reactionPath(priv.id, THUMBS), { token: b.token });
  assert.equal(again.status, 200);
  assert.equal(again.body.data.on, true);
  const short = await api(server, 'PUT', `/api/chat/messages/${priv.id}/reactions/:yum:`, { token: a.token });
  assert.equal(short.status, 200, JSON.stringify(short.body));
  for (const s of [sa, sb]) await waitFor(() => eventsOf(s, 'reaction').length === 2, 'two reactions (not three)');
  const del = await api(server, 'DELETE', `/api/chat/messages/${priv.id}/reactions/%3Ayum%3A`, { token: a.token });
  assert.equal(del.status, 200, JSON.stringify(del.body));
  assert.equal(del.body.message, 'Reaction removed');
  assert.deepEqual(del.body.data.reactions, [{ emoji: THUMBS, count: 1, mine: false }]);
  const delAgain = await api(server, 'DELETE', `/api/chat/messages/${priv.id}/reactions/%3Ayum%3A`, { token: a.token });
  assert.equal(delAgain.status, 200);
  assert.equal(delAgain.body.data.on, false);
  for (const s of [sa, sb]) await waitFor(() => eventsOf(s, 'reaction').length === 3, 'the removal');
  assert.deepEqual(eventsOf(sb, 'reaction').map((r) => [r.userId, r.emoji, r.on]),
    [[b.user.id, THUMBS, true], [a.user.id, ':yum:', true], [a.user.id, ':yum:', false]]);
  const h = await api(server, 'GET', `/api/chat/private/${b.user.id}`, { token: a.token });
  assert.deepEqual(h.body.data[0].reactions, [{ emoji: THUMBS, count: 1, mine: false }]);

  const created = await api(server, 'POST', '/api/groups', { token: a.token, body: { name: 'team', memberIds: [b.user.id] } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const groupId = created.body.data.id;
  const [sa2, sb2] = await sockets(server, a, b);
  const gm = await emit(sa2, 'group_message', { groupId, message: 'ship it?' });
  assert.deepEqual((await emit(sb2, 'react', { id: gm.id, emoji: ':+1:' })).reactions, [{ emoji: ':+1:', count: 1, mine: true }]);
  await waitFor(() => eventsOf(sa2, 'reaction').length === 1, 'the group reaction at A');
  const hg = await api(server, 'GET', `/api/chat/groups/${groupId}`, { token: a.token });
  assert.equal(hg.status, 200, JSON.stringify(hg.body));
  assert.deepEqual(hg.body.data[0].reactions, [{ emoji: ':+1:', count: 1, mine: false }]);
  await sleep(200);
  assert.equal(eventsOf(sc, 'reaction').length, 0, 'a stranger heard a private or group reaction');
});

test('who may not, and bad input: clear exceptions and REST errors, nothing stored', async () => {
  const server = await start();
  const [a, b, c] = await people(server, 3);
  const [sa, sb, sc] = await sockets(server, a, b, c);
  const priv = await emit(sa, 'private_message', { recipientId: b.user.id, message: 'just us' });
  const pub = await sendPublic(sa, 'public');
  const gone = await sendPublic(sa, 'soon deleted');
  await emit(sa, 'delete_message', { id: gone.id });

  const badEmoji = 'emoji must be one emoji or a short name like :thumbsup: ([a-z0-9_+-], at most 32 characters between colons)';
  const cases = [
    [sc, { id: priv.id, emoji: THUMBS }, 'message not found'],
    [sc, { id: pub.id + 1000, emoji: THUMBS }, 'message not found'],
    [sa, { id: gone.id, emoji: THUMBS }, 'message was deleted'],
    [sa, 'nope', 'payload must be an object {id, emoji}'],
    [sa, { emoji: THUMBS }, 'id must be a positive integer'],
    [sa, { id: pub.id }, 'emoji must be a string'],
    [sa, { id: pub.id, emoji: 5 }, 'emoji must be a string'],
    [sa, { id: pub.id, emoji: THUMBS, on: 'yes' }, 'on must be a boolean'],
    [sa, { id: pub.id, emoji: 'lol' }, badEmoji],
    [sa, { id: pub.id, emoji: THUMBS + THUMBS }, badEmoji],
    [sa, { id: pub.id, emoji: ':Thumbs Up:' }, badEmoji],
    [sa, { id: pub.id, emoji: '' }, badEmoji],
  ];
  for (const [s, payload, message] of cases) {
    const before = eventsOf(s, 'exception').length;
    assert.deepEqual(await emit(s, 'react', payload), { status: 'error', message }, JSON.stringify(payload));
    await waitFor(() => eventsOf(s, 'exception').length === before + 1, 'the exception event');
  }
  const rest = [
    [c, 'PUT', reactionPath(priv.id, THUMBS), 404, 'message not found'],
    [c, 'DELETE', reactionPath(priv.id, THUMBS), 404, 'message not found'],
    [a, 'PUT', reactionPath(gone.id, THUMBS), 400, 'message was deleted'],
    [a, 'PUT', reactionPath(pub.id, 'text'), 400, badEmoji],
    [a, 'PUT', `/api/chat/messages/0/reactions/${encodeURIComponent(THUMBS)}`, 400, 'id must be a positive integer'],
  ];
  for (const [u, method, path, status, message] of rest) {
    const res = await api(server, method, path, { token: u.token });
    assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.message, message);
  }
  assert.equal((await api(server, 'PUT', reactionPath(pub.id, THUMBS))).status, 401);
  await sleep(200);
  for (const s of [sa, sb, sc]) assert.equal(eventsOf(s, 'reaction').length, 0);
  const h = await api(server, 'GET', '/api/chat/public?perPage=5', { token: a.token });
  for (const m of h.body.data) assert.deepEqual(m.reactions, []);
  // The socket goes on.
  assert.equal((await emit(sa, 'react', { id: pub.id, emoji: THUMBS })).on, true);
});

test('at most 20 different emojis per message; a deleted message loses its reactions and takes no more', async () => {
  const server = await start({ MESSAGE_RATE_PER_SECOND: '1000', MESSAGE_BURST: '1000' });
  const [a, b] = await people(server, 2);
  const [sa] = await sockets(server, a);
  const pub = await sendPublic(sa, 'react to me');
  for (let i = 0; i < 20; i++) assert.equal((await emit(sa, 'react', { id: pub.id, emoji: `:e${i}:` })).on, true);
  assert.deepEqual(await emit(sa, 'react', { id: pub.id, emoji: ':e20:' }), { status: 'error', message: 'at most 20 different reactions per message' });
  const full = await api(server, 'PUT', reactionPath(pub.id, ':e99:'), { token: b.token });
  assert.equal(full.status, 400);
  assert.equal(full.body.message, 'at most 20 different reactions per message');
  // An emoji it already has is fine.
  const same = await api(server, 'PUT', reactionPath(pub.id, ':e3:'), { token: b.token });
  assert.equal(same.status, 200);
  assert.equal(same.body.data.reactions.length, 20);
  assert.deepEqual(same.body.data.reactions[3], { emoji: ':e3:', count: 2, mine: true });
  await emit(sa, 'delete_message', { id: pub.id });
  const h = await api(server, 'GET', '/api/chat/public?perPage=5', { token: b.token });
  const t = h.body.data.find((x) => x.id === pub.id);
  assert.equal(t.deleted, true);
  assert.deepEqual(t.reactions, []);
  // Its reactions went with it: none to take back, none to add.
  assert.deepEqual(await emit(sa, 'react', { id: pub.id, emoji: ':e3:' }), { status: 'error', message: 'message was deleted' });
  for (const method of ['PUT', 'DELETE']) {
    const res = await api(server, method, reactionPath(pub.id, ':e3:'), { token: b.token });
    assert.equal(res.status, 400, `${method}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.message, 'message was deleted');
  }
  const again = await api(server, 'GET', '/api/chat/public?perPage=5', { token: a.token });
  assert.deepEqual(again.body.data.find((x) => x.id === pub.id).reactions, []);
});

test('reactions count against the message rate limit', async () => {
  const server = await start({ MESSAGE_RATE_PER_SECOND: '0.01', MESSAGE_BURST: '2', MESSAGE_RATE_WAIT_MS: '0' });
  const [a] = await people(server, 1);
  const [sa] = await sockets(server, a);
  const m = await sendPublic(sa, 'one');
  assert.equal((await emit(sa, 'react', { id: m.id, emoji: THUMBS })).on, true);
  const limited = { status: 'error', message: 'rate limit exceeded: too many messages, slow down' };
  assert.deepEqual(await emit(sa, 'react', { id: m.id, emoji: ':x:' }), limited);
  const res = await api(server, 'PUT', reactionPath(m.id, ':x:'), { token: a.token });
  assert.equal(res.status, 429);
  const h = await api(server, 'GET', '/api/chat/public', { token: a.token });
  assert.deepEqual(h.body.data[0].reactions, [{ emoji: THUMBS, count: 1, mine: true }]);
});

test('recovery: a client away gets the reactions of messages it had, and missed messages with theirs; none of a deleted one', async () => {
  const server = await start();
  const [a, b] = await people(server, 2);
  const sa = await client(server, a.token, 800);
  const [sb] = await sockets(server, b);
  const had = await sendPublic(sb, 'had this one');
  const unreacted = await sendPublic(sb, 'reacted then not');
  const doomed = await sendPublic(sb, 'reacted then deleted');
  await emit(sa, 'react', { id: unreacted.id, emoji: ':x:' });
  await waitFor(() => storedIds(sa).length === 3 && eventsOf(sb, 'reaction').length === 1, 'three messages at A, a reaction at B');

  const back = cutAndAwaitReconnect(sa);
  await waitFor(() => !sa.connected, 'A disconnected');
  await emit(sb, 'react', { id: had.id, emoji: THUMBS });
  await api(server, 'DELETE', reactionPath(unreacted.id, ':x:'), { token: a.token });
  await emit(sb, 'react', { id: doomed.id, emoji: ':x:' });
  assert.deepEqual(await emit(sb, 'delete_message', { id: doomed.id }), { id: doomed.id, deleted: true });
  const missed = await sendPublic(sb, 'sent while A was away');
  await emit(sb, 'react', { id: missed.id, emoji: ':tada:' });
  await back;
  assert.equal(sa.recovered, true, 'socket.recovered');
  await waitFor(() => storedIds(sa).includes(missed.id), 'the missed message');
  await waitFor(() => eventsOf(sa, 'reactions').length >= 2, 'the reactions');
  assert.deepEqual(eventsOf(sa, 'reactions', (r) => r.id === had.id).at(-1), { id: had.id, reactions: [{ emoji: THUMBS, count: 1, mine: false }] });
  assert.deepEqual(eventsOf(sa, 'reactions', (r) => r.id === unreacted.id).at(-1), { id: unreacted.id, reactions: [] });
  const replayed = sa.received.find((r) => r.event === 'public_message' && r.args[0].id === missed.id);
  assert.deepEqual(replayed.args[0].reactions, [{ emoji: ':tada:', count: 1, mine: false }]);
  // The deleted one: its message_deleted, and no reactions (they went with it).
  assert.deepEqual(eventsOf(sa, 'message_deleted'), [{ id: doomed.id }]);
  assert.deepEqual(eventsOf(sa, 'reactions', (r) => r.id === doomed.id), []);
});
