// Typing indicators (docs/events.md, "Typing"): `typing {peerId | groupId | room, on}` reaches
// the conversation's other participants on all their devices, never the typer's own sockets,
// nobody outside the conversation; refusals are clear `exception`s; `on` is throttled per
// socket and conversation, `off` is not; the server turns an indicator off by itself 5 s after
// the last `on`, when the typer sends a message there, and when its socket leaves.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, registerMany as people } from '../lib/chatd.mjs';
import { eventsOf, testScope, waitFor } from '../lib/chat-socket.mjs';

const scope = testScope();
const { start, sockets } = scope;
after(() => scope.cleanup());

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const emit = (socket, event, payload) => socket.timeout(5000).emitWithAck(event, payload);
const typingOf = (s) => eventsOf(s, 'typing');

async function createGroup(server, owner, members) {
  const res = await api(server, 'POST', '/api/groups', {
    token: owner.token,
    body: { name: 'typists', memberIds: members.map((m) => m.user.id) },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data;
}

test('typing reaches the other participants on every device, never the typer, nobody else', async () => {
  const server = await start();
  const [a, b, c, d] = await people(server, 4);
  const g = await createGroup(server, a, [b]);
  const [sa, sa2, sb, sb2, sc, sd] = await sockets(server, a, a, b, b, c, d);
  const who = { userId: a.user.id, username: a.user.username };

  // Private: both of B's devices, not A's other device, not C.
  assert.deepEqual(await emit(sa, 'typing', { peerId: b.user.id, on: true }), { relayed: true });
  for (const s of [sb, sb2]) await waitFor(() => typingOf(s).length === 1, 'the private typing at B');
  assert.deepEqual(typingOf(sb)[0], { ...who, on: true });
  assert.deepEqual(await emit(sa, 'typing', { peerId: String(b.user.id), on: false }), { relayed: true });
  for (const s of [sb, sb2]) await waitFor(() => typingOf(s).length === 2, 'the private off at B');
  assert.deepEqual(typingOf(sb2)[1], { ...who, on: false });

  // A group: its members but the typer (B), not C.
  assert.deepEqual(await emit(sa, 'typing', { groupId: g.id, on: true }), { relayed: true });
  for (const s of [sb, sb2]) await waitFor(() => typingOf(s).length === 3, 'the group typing');
  assert.deepEqual(typingOf(sb)[2], { ...who, on: true, groupId: g.id });

  // The public room: everyone but A's sockets.
  assert.deepEqual(await emit(sa, 'typing', { room: 'public', on: true }), { relayed: true });
  for (const s of [sb, sc, sd]) await waitFor(() => typingOf(s).some((t) => t.room === 'public'), 'the public typing');
  assert.deepEqual(typingOf(sc), [{ ...who, on: true, room: 'public' }]);

  await sleep(300);
  assert.deepEqual(typingOf(sa), [], 'the typer heard itself');
  assert.deepEqual(typingOf(sa2), [], "the typer's other device heard it");
  assert.equal(typingOf(sc).length, 1, 'a stranger heard a private or group indicator');
  assert.equal(typingOf(sd).length, 1);
});

test('refusals: clear exception messages, non-members and unknown peers refused, the socket goes on', async () => {
  const server = await start();
  const [a, b, c] = await people(server, 3);
  const g = await createGroup(server, a, [b]);
  const [sa, sb, sc] = await sockets(server, a, b, c);
  const cases = [
    ['nope', 'payload must be an object {peerId | groupId | room, on}'],
    [{ on: true }, 'give exactly one of peerId, groupId or room'],
    [{ peerId: b.user.id, groupId: g.id, on: true }, 'give exactly one of peerId, groupId or room'],
    [{ peerId: -3, on: true }, 'peerId must be a positive integer'],
    [{ groupId: 'x', on: true }, 'groupId must be a positive integer'],
    [{ room: 'lobby', on: true }, 'room must be "public"'],
    [{ peerId: b.user.id }, 'on must be a boolean'],
    [{ peerId: b.user.id, on: 'yes' }, 'on must be a boolean'],
    [{ peerId: c.user.id + 1000, on: true }, 'recipient not found'],
    [{ peerId: c.user.id, on: true }, 'peerId must be another user than yourself'],
    [{ groupId: g.id, on: true }, 'Group not found'],
    [{ groupId: g.id + 1000, on: true }, 'Group not found'],
  ];
  for (const [payload, message] of cases) {
    const before = eventsOf(sc, 'exception').length;
    assert.deepEqual(await emit(sc, 'typing', payload), { status: 'error', message }, JSON.stringify(payload));
    await waitFor(() => eventsOf(sc, 'exception').length === before + 1, 'the exception event');
    assert.deepEqual(eventsOf(sc, 'exception').at(-1), { status: 'error', message });
  }
  // An `off` where the socket was not typing is accepted and announces nothing.
  assert.deepEqual(await emit(sc, 'typing', { peerId: a.user.id, on: false }), { relayed: false });

  // A member removed from the group is refused from then on.
  assert.deepEqual(await emit(sb, 'typing', { groupId: g.id, on: false }), { relayed: false });
  const removed = await api(server, 'DELETE', `/api/groups/${g.id}/members/${b.user.id}`, { token: a.token });
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  await waitFor(() => eventsOf(sb, 'group_removed').length === 1, 'group_removed');
  assert.deepEqual(await emit(sb, 'typing', { groupId: g.id, on: true }), { status: 'error', message: 'Group not found' });

  // At most 16 conversations at once per socket.
  const [sp] = await sockets(server, a);
  const others = await people(server, 16);
  for (const o of others.slice(0, 15)) assert.deepEqual(await emit(sp, 'typing', { peerId: o.user.id, on: true }), { relayed: true });
  assert.deepEqual(await emit(sp, 'typing', { room: 'public', on: true }), { relayed: true });
  assert.deepEqual(await emit(sp, 'typing', { peerId: others[15].user.id, on: true }), {
    status: 'error',
    message: 'typing in too many conversations at once (at most 16)',
  });
  assert.deepEqual(await emit(sp, 'typing', { room: 'public', on: false }), { relayed: true });
  assert.deepEqual(await emit(sp, 'typing', { peerId: others[15].user.id, on: true }), { relayed: true });

  assert.equal(eventsOf(sa, 'typing').length, 0, 'a refused or unannounced typing reached someone');
  const pub = await emit(sc, 'public_message', 'still here');
  assert.equal(typeof pub.id, 'number');
});

test('throttle: one relayed on per 2 s per conversation and socket; off always goes at once', async () => {
  const server = await start();
  const [a, b] = await people(server, 2);
  const [sa, sb] = await sockets(server, a, b);
  const on = { peerId: b.user.id, on: true };
  const acks = [];
  for (let i = 0; i < 10; i++) acks.push(await emit(sa, 'typing', on));
  assert.deepEqual(acks.map((x) => x.relayed), [true, ...Array(9).fill(false)]);
  // The public room is another conversation: its own throttle.
  assert.deepEqual(await emit(sa, 'typing', { room: 'public', on: true }), { relayed: true });
  await sleep(300);
  assert.deepEqual(typingOf(sb).map((t) => [t.on, t.room ?? 'private']), [[true, 'private'], [true, 'public']]);

  await sleep(1900);  // 2 s after the first on
  assert.deepEqual(await emit(sa, 'typing', on), { relayed: true });
  assert.deepEqual(await emit(sa, 'typing', on), { relayed: false });
  assert.deepEqual(await emit(sa, 'typing', { ...on, on: false }), { relayed: true });
  assert.deepEqual(await emit(sa, 'typing', on), { relayed: true }, 'an on right after an off is a new one');
  await waitFor(() => typingOf(sb).length === 5, 'on, off, on');
  assert.deepEqual(typingOf(sb).slice(2).map((t) => t.on), [true, false, true]);
});

test('auto-off: 5 s after the last on, on a message there, and when the socket leaves', async () => {
  const server = await start();
  const [a, b] = await people(server, 2);
  const g = await createGroup(server, a, [b]);
  const [sa, sb] = await sockets(server, a, b);
  const times = [];
  sb.on('typing', (t) => times.push({ ...t, at: Date.now() }));

  // Refreshed after 3 s (held back by the throttle, but it postpones the expiry): off comes
  // 5 s after the refresh, not after the first on.
  const t0 = Date.now();
  await emit(sa, 'typing', { peerId: b.user.id, on: true });
  await sleep(1500);
  assert.deepEqual(await emit(sa, 'typing', { peerId: b.user.id, on: true }), { relayed: false });
  const refreshed = Date.now();
  await waitFor(() => times.some((t) => !t.on), 'the automatic off', 9000);
  const off = times.find((t) => !t.on);
  assert.deepEqual({ ...off, at: undefined }, { userId: a.user.id, username: a.user.username, on: false, at: undefined });
  const after = off.at - refreshed;
  assert.ok(after >= 4900 && after < 6500, `off ${after} ms after the refresh (${off.at - t0} ms after the first on)`);

  // A message in the conversation turns it off (the group's here); another conversation's
  // indicator stays on.
  await emit(sa, 'typing', { groupId: g.id, on: true });
  await emit(sa, 'typing', { room: 'public', on: true });
  await waitFor(() => typingOf(sb).length === 4, 'group and public on');
  const sent = await emit(sa, 'group_message', { groupId: g.id, message: 'done typing' });
  assert.equal(typeof sent.id, 'number');
  await waitFor(() => typingOf(sb).length === 5, 'the off of the message');
  assert.deepEqual(typingOf(sb)[4], { userId: a.user.id, username: a.user.username, on: false, groupId: g.id });
  assert.deepEqual(await emit(sa, 'typing', { groupId: g.id, on: false }), { relayed: false }, 'already off');

  // The socket leaves while on in the public room: off at once.
  const left = Date.now();
  sa.close();
  await waitFor(() => typingOf(sb).length === 6, 'the off of the disconnect');
  assert.deepEqual(typingOf(sb)[5], { userId: a.user.id, username: a.user.username, on: false, room: 'public' });
  assert.ok(Date.now() - left < 2000, 'the disconnect off came late');
  await sleep(5500);
  assert.equal(typingOf(sb).length, 6, 'an expired or left indicator was turned off twice');
});
