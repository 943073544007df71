// Group conversations in real time (docs/events.md): group_message to every device of every
// member but the sending socket, stored before delivered, in id order, clientMsgId repeats acked
// once, the message rate limit; send_image and mark_read with groupId; group_updated and
// group_removed as membership changes, a removed member's devices stop receiving at once, also
// for sockets connecting during the change; and connection-state recovery replays a group's
// missed messages.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, registerAndLogin, uploadAvatar } from '../lib/chatd.mjs';
import { connect, cutAndAwaitReconnect, eventsOf, storedIds, testScope, waitFor } from '../lib/chat-socket.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const scope = testScope();
const { start, client, track } = scope;
after(() => scope.cleanup());

async function createGroup(server, owner, name, members) {
  const res = await api(server, 'POST', '/api/groups', {
    token: owner.token,
    body: { name, memberIds: members.map((m) => m.user.id) },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data;
}

async function sendGroup(socket, groupId, message, extra = {}) {
  const ack = await socket.timeout(5000).emitWithAck('group_message', { groupId, message, ...extra });
  assert.equal(typeof ack?.id, 'number', JSON.stringify(ack));
  return ack;
}

const groupTexts = (s, groupId) => eventsOf(s, 'group_message', (m) => m.groupId === groupId).map((m) => m.message);

test('group_message reaches every device of every member but the sending socket, once, in order', async () => {
  const server = await start();
  const ann = await registerAndLogin(server);
  const bob = await registerAndLogin(server);
  const eve = await registerAndLogin(server);
  const g = await createGroup(server, ann, 'devices', [bob]);
  const annA = await connect(server, ann.token, 'websocket');
  const annB = await connect(server, ann.token, 'upgrade');
  const bobA = await connect(server, bob.token, 'polling-only');
  const eveA = await connect(server, eve.token, 'websocket');
  track(annA, annB, bobA, eveA);

  const acks = [];
  for (let i = 0; i < 5; i++) acks.push(await sendGroup(annA, g.id, `m${i}`));
  acks.push(await sendGroup(bobA, g.id, 'reply'));
  const all = acks.map((a) => a.id);
  // annA too: bob's reply reaches ann's two sockets independently, annB first at times.
  await waitFor(
    () => storedIds(annB).length === 6 && storedIds(bobA).length === 5 && storedIds(annA).length >= 1,
    'all deliveries',
    15000,
  );
  assert.deepEqual(storedIds(annB), all);
  assert.deepEqual(storedIds(bobA), all.slice(0, 5), 'bob hears ann, not its own reply');
  assert.deepEqual(storedIds(annA), [all[5]], 'the sending socket hears only the others');
  await sleep(200);
  assert.deepEqual(storedIds(eveA), [], 'a non-member hears nothing');

  const [first] = eventsOf(annB, 'group_message');
  assert.deepEqual(Object.keys(first).sort(), ['createdAt', 'groupId', 'id', 'message', 'senderId', 'username']);
  assert.equal(first.groupId, g.id);
  assert.equal(first.senderId, ann.user.id);
  assert.equal(first.username, ann.user.username);
  assert.equal(first.createdAt, acks[0].createdAt);
  const raw = annB.received.find((r) => r.event === 'group_message');
  assert.equal(raw.args[1], String(acks[0].id), 'the offset is the last argument');
});

test('payload checks, clientMsgId repeats and the rate limit apply to group messages', async () => {
  const server = await start({ MESSAGE_RATE_PER_SECOND: '1', MESSAGE_BURST: '2', MESSAGE_RATE_WAIT_MS: '0' });
  const ann = await registerAndLogin(server);
  const bob = await registerAndLogin(server);
  const g = await createGroup(server, ann, 'rules', [bob]);
  const a = await connect(server, ann.token);
  const b = await connect(server, bob.token);
  track(a, b);
  const bad = async (payload, message) => {
    const ack = await a.timeout(5000).emitWithAck('group_message', payload);
    assert.deepEqual(ack, { status: 'error', message });
  };
  await bad('hi', 'payload must be an object {groupId, message}');
  await bad({ message: 'hi' }, 'groupId must be a positive integer');
  await bad({ groupId: g.id }, 'message must be a string');
  await bad({ groupId: g.id, message: '  ' }, 'message must not be empty');
  await bad({ groupId: g.id, message: 'x', clientMsgId: '' }, 'clientMsgId must be a string of at most 64 characters');

  const first = await sendGroup(a, g.id, 'once', { clientMsgId: 'k1' });
  const again = await sendGroup(a, g.id, 'twice?', { clientMsgId: 'k1' });
  assert.deepEqual(again, first, 'a repeat is acked with the first message');
  const limited = await a.timeout(5000).emitWithAck('group_message', { groupId: g.id, message: 'too fast' });
  assert.deepEqual(limited, { status: 'error', message: 'rate limit exceeded: too many messages, slow down' });
  await sleep(300);
  assert.deepEqual(groupTexts(b, g.id), ['once'], 'stored and delivered once; nothing refused is delivered');
  const history = await api(server, 'GET', `/api/chat/groups/${g.id}`, { token: bob.token });
  assert.deepEqual(history.body.data.map((m) => m.content), ['once']);
});

test('send_image and mark_read take groupId', async () => {
  const server = await start();
  const ann = await registerAndLogin(server);
  const bob = await registerAndLogin(server);
  const eve = await registerAndLogin(server);
  const g = await createGroup(server, ann, 'pictures', [bob]);
  const a = await connect(server, ann.token);
  const b = await connect(server, bob.token);
  const e = await connect(server, eve.token);
  track(a, b, e);
  const url = await uploadAvatar(server, ann.token); // an image chatd issued, sent nowhere yet
  const ack = await a.timeout(5000).emitWithAck('send_image', { imageUrl: url, groupId: g.id });
  assert.equal(typeof ack.id, 'number', JSON.stringify(ack));
  await waitFor(() => eventsOf(b, 'image_sent').length === 1, 'the image at bob');
  const [image] = eventsOf(b, 'image_sent');
  assert.equal(image.groupId, g.id);
  assert.equal(image.isPublic, false);
  assert.equal(image.recipientId, null);
  assert.equal(image.id, ack.id);
  assert.deepEqual(eventsOf(a, 'image_sent'), [], 'not to the sending socket');

  const both = await a.timeout(5000).emitWithAck('send_image', { imageUrl: url, groupId: g.id, recipientId: bob.user.id });
  assert.deepEqual(both, { status: 'error', message: 'give either recipientId or groupId, not both' });
  const stranger = await e.timeout(5000).emitWithAck('send_image', { imageUrl: url, groupId: g.id });
  assert.deepEqual(stranger, { status: 'error', message: 'Group not found' });

  const read = await b.timeout(5000).emitWithAck('mark_read', { groupId: g.id, lastMessageId: ack.id });
  assert.deepEqual(read, { unreadCount: 0 });
  await sleep(200);
  assert.deepEqual(eventsOf(a, 'read'), [], 'no read receipt for a group');
  assert.equal(eventsOf(e, 'image_sent').length, 0);
});

test('membership changes: group_updated to members, the added hear at once, the removed stop at once', async () => {
  const server = await start();
  const ann = await registerAndLogin(server);
  const bob = await registerAndLogin(server);
  const cat = await registerAndLogin(server);
  const a = await connect(server, ann.token);
  const b1 = await connect(server, bob.token);
  const b2 = await connect(server, bob.token, 'upgrade');
  const c = await connect(server, cat.token);
  track(a, b1, b2, c);

  const g = await createGroup(server, ann, 'live', [bob]);
  await waitFor(() => eventsOf(b1, 'group_updated').length >= 1 && eventsOf(b2, 'group_updated').length >= 1, 'group_updated at creation');
  assert.equal(eventsOf(b1, 'group_updated')[0].id, g.id);
  assert.equal(eventsOf(b1, 'group_updated')[0].name, 'live');
  // Sockets connected before the group existed are in its room now.
  await sendGroup(a, g.id, 'hello');
  await waitFor(() => groupTexts(b1, g.id).length === 1 && groupTexts(b2, g.id).length === 1, 'first message');

  const added = await api(server, 'POST', `/api/groups/${g.id}/members`, { token: ann.token, body: { memberIds: [cat.user.id] } });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  await waitFor(() => eventsOf(c, 'group_updated').some((u) => u.id === g.id && u.memberCount === 3), 'cat hears it was added');
  await sendGroup(a, g.id, 'welcome cat');
  await waitFor(() => groupTexts(c, g.id).includes('welcome cat'), 'cat hears the group at once');

  const renamed = await api(server, 'PATCH', `/api/groups/${g.id}`, { token: ann.token, body: { name: 'renamed' } });
  assert.equal(renamed.status, 200);
  await waitFor(() => eventsOf(b2, 'group_updated').some((u) => u.name === 'renamed'), 'rename announced');

  const removed = await api(server, 'DELETE', `/api/groups/${g.id}/members/${bob.user.id}`, { token: ann.token });
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  await waitFor(() => eventsOf(b1, 'group_removed').length === 1 && eventsOf(b2, 'group_removed').length === 1, 'group_removed on both devices');
  assert.deepEqual(eventsOf(b1, 'group_removed')[0], { groupId: g.id });
  await waitFor(() => eventsOf(c, 'group_updated').some((u) => u.memberCount === 2), 'the others hear the change');
  await sendGroup(a, g.id, 'after bob');
  await waitFor(() => groupTexts(c, g.id).includes('after bob'), 'cat still hears');
  await sleep(200);
  assert.ok(!groupTexts(b1, g.id).includes('after bob'), 'bob device 1 no longer hears');
  assert.ok(!groupTexts(b2, g.id).includes('after bob'), 'bob device 2 no longer hears');
  const refused = await b1.timeout(5000).emitWithAck('group_message', { groupId: g.id, message: 'still here?' });
  assert.deepEqual(refused, { status: 'error', message: 'Group not found' });

  // A socket that connects later joins the rooms of the user's groups.
  const c2 = await connect(server, cat.token);
  track(c2);
  await sendGroup(a, g.id, 'for new sockets');
  await waitFor(() => groupTexts(c2, g.id).includes('for new sockets'), 'a later socket hears the group');
});

// Issue 16: a socket connecting while its user is added to or removed from a group. Its groups
// are read once it is in its user room, and a join or leave reaching it during the read is
// applied after it; before, a change committed while the read was in flight was lost for that
// socket (an added member deaf to the group until it reconnected, a removed one still hearing
// it). There is no hook to pause the read, so sockets connect around each change and each round
// checks what the change must have left: every socket of a member hears the group, no socket of
// a removed member does. The old window was the read's own latency: against the old code this
// did not fail in the runs tried, so it guards the end-to-end result (every round's sockets in
// the room exactly when a member); the ordering itself is checked step by step in
// tests/interop/room-setup.test.mjs (a setup paused on a gate) and
// tests/unit/realtime/local_adapter_test.cpp.
test('sockets connecting during a membership change end up in the group room exactly when a member', async () => {
  const server = await start({ HANDSHAKE_RATE_PER_IP: '0' }); // 240 handshakes in a few seconds
  const ann = await registerAndLogin(server);
  const bob = await registerAndLogin(server);
  const cat = await registerAndLogin(server);
  const g = await createGroup(server, ann, 'racing', [cat]);
  const a = await connect(server, ann.token);
  const c = await connect(server, cat.token);
  track(a, c);
  let member = false;
  for (let round = 0; round < 12; round++) {
    const change = member
      ? api(server, 'DELETE', `/api/groups/${g.id}/members/${bob.user.id}`, { token: ann.token })
      : api(server, 'POST', `/api/groups/${g.id}/members`, { token: ann.token, body: { memberIds: [bob.user.id] } });
    // Spread over the few milliseconds the change takes to commit.
    const connecting = Array.from({ length: 20 }, (_, i) => sleep(i % 10).then(() => connect(server, bob.token)));
    const [res, ...bobs] = await Promise.all([change, ...connecting]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    member = !member;
    track(...bobs);
    const probe = await sendGroup(a, g.id, `probe ${round}`);
    await waitFor(() => storedIds(c).includes(probe.id), `probe ${round} at cat`);
    const heard = () => bobs.filter((s) => storedIds(s).includes(probe.id)).length;
    if (member) {
      await waitFor(() => heard() === bobs.length, 'every socket of bob', 3000).catch(() => {});
      assert.equal(heard(), bobs.length, `round ${round}: sockets of a member that did not hear the group`);
    } else {
      await sleep(100);
      assert.equal(heard(), 0, `round ${round}: sockets of a removed member that heard the group`);
    }
    for (const s of bobs) s.close();
  }
});

test('a recovered session gets the group messages it missed, in id order', async () => {
  const server = await start();
  const ann = await registerAndLogin(server);
  const bob = await registerAndLogin(server);
  const g = await createGroup(server, ann, 'recovery', [bob]);
  const sb = await client(server, bob.token, 800);
  const sa = await client(server, ann.token);
  const first = await sendGroup(sa, g.id, 'before');
  await waitFor(() => storedIds(sb).includes(first.id), 'first at bob');

  const back = cutAndAwaitReconnect(sb);
  await waitFor(() => !sb.connected, 'bob disconnected');
  const missed = [];
  for (let i = 0; i < 3; i++) missed.push((await sendGroup(sa, g.id, `missed ${i}`)).id);
  await back;
  assert.equal(sb.recovered, true);
  const live = await sendGroup(sa, g.id, 'live');
  await waitFor(() => storedIds(sb).includes(live.id), 'live at bob');
  assert.deepEqual(storedIds(sb), [first.id, ...missed, live.id]);
  // What bob's socket sent itself is not replayed to it.
  const own = await sendGroup(sb, g.id, 'mine');
  const back2 = cutAndAwaitReconnect(sb);
  await waitFor(() => !sb.connected, 'bob disconnected again');
  const other = await sendGroup(sa, g.id, 'after mine');
  await back2;
  assert.equal(sb.recovered, true);
  await waitFor(() => storedIds(sb).includes(other.id), 'replayed');
  assert.ok(!storedIds(sb).includes(own.id));
});
