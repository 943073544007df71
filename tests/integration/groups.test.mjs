// Group conversations over REST: create, list, read, rename, add, remove, leave, roles, the
// last owner's hand-over, history and read markers, conversations; and who may do what (a
// non-member learns nothing, a member cannot manage). Real time is in groups-realtime.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startChatd, api, registerAndLogin } from '../lib/chatd.mjs';
import { connect } from '../lib/chat-socket.mjs';

let server;
let ann, bob, cat, dan, eve;

before(async () => {
  server = await startChatd({ env: { MESSAGE_RATE_PER_SECOND: '0', GROUP_MAX_MEMBERS: '4' } });
  // One after the other: members who join together are ordered by id, so by this order.
  ann = await registerAndLogin(server);
  bob = await registerAndLogin(server);
  cat = await registerAndLogin(server);
  dan = await registerAndLogin(server);
  eve = await registerAndLogin(server);
});

after(async () => {
  await server?.cleanup();
});

const call = (who, method, path, body) => api(server, method, path, { token: who.token, body });

async function ok(who, method, path, body, status = 200) {
  const res = await call(who, method, path, body);
  assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.success ?? true, true);
  return res.body.data ?? res.body;
}

async function refused(who, method, path, body, status, message) {
  const res = await call(who, method, path, body);
  assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.success, false);
  if (message !== undefined) assert.deepEqual(res.body.message, message);
  return res.body;
}

async function groupMessage(who, groupId, message) {
  const s = await connect(server, who.token);
  try {
    const ack = await s.timeout(5000).emitWithAck('group_message', { groupId, message });
    assert.equal(typeof ack.id, 'number', JSON.stringify(ack));
    return ack.id;
  } finally {
    s.close();
  }
}

const roles = (group) => group.members.map((m) => [m.id, m.role]);

test('a group is created with its owner and members, and listed for each of them', async () => {
  const g = await ok(ann, 'POST', '/api/groups', { name: 'Team', topic: 'plans', memberIds: [bob.user.id, cat.user.id, bob.user.id] }, 201);
  assert.equal(typeof g.id, 'number');
  assert.equal(g.name, 'Team');
  assert.equal(g.topic, 'plans');
  assert.equal(g.ownerId, ann.user.id);
  assert.equal(g.memberCount, 3);
  assert.deepEqual(roles(g), [[ann.user.id, 'owner'], [bob.user.id, 'member'], [cat.user.id, 'member']]);
  assert.equal(g.members[0].username, ann.user.username);
  for (const k of ['createdAt', 'updatedAt']) assert.match(g[k], /^\d{4}-\d\d-\d\dT/);

  const listed = await call(bob, 'GET', '/api/groups');
  assert.equal(listed.status, 200);
  assert.equal(listed.body.meta.totalItems, 1);
  assert.deepEqual(listed.body.data.map((x) => x.id), [g.id]);
  assert.equal(listed.body.data[0].memberCount, 3);
  const none = await call(eve, 'GET', '/api/groups');
  assert.equal(none.body.meta.totalItems, 0);

  const shown = await ok(cat, 'GET', `/api/groups/${g.id}`);
  assert.deepEqual(roles(shown), roles(g));
});

test('bad input is refused with the documented messages', async () => {
  await refused(ann, 'POST', '/api/groups', {}, 400, ['name should not be empty']);
  await refused(ann, 'POST', '/api/groups', { name: '   ' }, 400, ['name must not be empty']);
  await refused(ann, 'POST', '/api/groups', { name: 'x'.repeat(101) }, 400, ['name must be shorter than or equal to 100 characters']);
  await refused(ann, 'POST', '/api/groups', { name: 'ok', memberIds: 'bob' }, 400, ['memberIds must be an array of positive integers']);
  await refused(ann, 'POST', '/api/groups', { name: 'ok', memberIds: [1, -2] }, 400, ['memberIds must be an array of positive integers']);
  await refused(ann, 'POST', '/api/groups', { name: 'ok', memberIds: [987654321] }, 404, 'User not found');
  // GROUP_MAX_MEMBERS=4, the owner included.
  await refused(ann, 'POST', '/api/groups', { name: 'big', memberIds: [bob.user.id, cat.user.id, dan.user.id, eve.user.id] }, 400, 'a group has at most 4 members');
  await refused(ann, 'GET', '/api/groups/abc', undefined, 400);
  const res = await api(server, 'GET', '/api/groups');
  assert.equal(res.status, 401);
});

test('a non-member cannot read, send, mark read, list members or learn that the group exists', async () => {
  const g = await ok(ann, 'POST', '/api/groups', { name: 'secret', memberIds: [bob.user.id] }, 201);
  const m = await groupMessage(bob, g.id, 'hidden');
  const missing = 987654;
  for (const id of [g.id, missing]) {
    // The same answer for a group that exists and one that does not.
    await refused(eve, 'GET', `/api/groups/${id}`, undefined, 404, 'Group not found');
    await refused(eve, 'GET', `/api/chat/groups/${id}`, undefined, 404, 'Group not found');
    await refused(eve, 'GET', `/api/chat/groups/${id}?perPage=500`, undefined, 404, 'Group not found');
    await refused(eve, 'PUT', `/api/chat/read/group/${id}`, { lastMessageId: m }, 404, 'Group not found');
    await refused(eve, 'PATCH', `/api/groups/${id}`, { name: 'mine now' }, 404, 'Group not found');
    await refused(eve, 'POST', `/api/groups/${id}/members`, { memberIds: [eve.user.id] }, 404, 'Group not found');
    await refused(eve, 'DELETE', `/api/groups/${id}/members/${bob.user.id}`, undefined, 404, 'Group not found');
    await refused(eve, 'DELETE', `/api/groups/${id}/members/${eve.user.id}`, undefined, 404, 'Group not found');
  }
  const s = await connect(server, eve.token);
  try {
    const ack = await s.timeout(5000).emitWithAck('group_message', { groupId: g.id, message: 'let me in' });
    assert.deepEqual(ack, { status: 'error', message: 'Group not found' });
    const read = await s.timeout(5000).emitWithAck('mark_read', { groupId: g.id, lastMessageId: m });
    assert.deepEqual(read, { status: 'error', message: 'Group not found' });
    assert.deepEqual(s.received.filter((r) => r.event === 'group_message'), []);
  } finally {
    s.close();
  }
  // Nothing was stored.
  const history = await ok(ann, 'GET', `/api/chat/groups/${g.id}`);
  assert.deepEqual(history.map((x) => x.content), ['hidden']);
  assert.deepEqual((await ok(eve, 'GET', '/api/chat/conversations')).filter((c) => c.type === 'group'), []);
});

test('a member cannot rename, add or remove others; the owner and admins can', async () => {
  const g = await ok(ann, 'POST', '/api/groups', { name: 'roles', memberIds: [bob.user.id, cat.user.id] }, 201);
  const forbidden = "Only the group's owner or admins can do this";
  await refused(bob, 'PATCH', `/api/groups/${g.id}`, { name: 'bob was here' }, 403, forbidden);
  await refused(bob, 'POST', `/api/groups/${g.id}/members`, { memberIds: [dan.user.id] }, 403, forbidden);
  await refused(bob, 'DELETE', `/api/groups/${g.id}/members/${cat.user.id}`, undefined, 403, forbidden);
  await refused(bob, 'PATCH', `/api/groups/${g.id}/members/${cat.user.id}`, { role: 'admin' }, 403, "Only the group's owner can change roles");

  const promoted = await ok(ann, 'PATCH', `/api/groups/${g.id}/members/${bob.user.id}`, { role: 'admin' });
  assert.deepEqual(promoted, { groupId: g.id, userId: bob.user.id, role: 'admin' });
  await refused(ann, 'PATCH', `/api/groups/${g.id}/members/${bob.user.id}`, { role: 'owner' }, 400, 'role must be one of the following values: admin, member');
  await refused(bob, 'PATCH', `/api/groups/${g.id}/members/${cat.user.id}`, { role: 'admin' }, 403);

  // An admin renames, adds and removes members, but not the owner.
  const renamed = await ok(bob, 'PATCH', `/api/groups/${g.id}`, { name: 'renamed', topic: 'new topic' });
  assert.equal(renamed.name, 'renamed');
  assert.equal(renamed.topic, 'new topic');
  const cleared = await ok(bob, 'PATCH', `/api/groups/${g.id}`, { topic: '' });
  assert.equal(cleared.name, 'renamed');
  assert.equal(cleared.topic, null);
  const added = await ok(bob, 'POST', `/api/groups/${g.id}/members`, { memberIds: [dan.user.id, cat.user.id] });
  assert.deepEqual(added.members.map((m) => m.id).sort(), [ann.user.id, bob.user.id, cat.user.id, dan.user.id].sort());
  await refused(bob, 'POST', `/api/groups/${g.id}/members`, { memberIds: [eve.user.id] }, 400, 'a group has at most 4 members');
  await refused(bob, 'DELETE', `/api/groups/${g.id}/members/${ann.user.id}`, undefined, 403, 'Admins can only remove members');
  const removed = await ok(bob, 'DELETE', `/api/groups/${g.id}/members/${dan.user.id}`);
  assert.deepEqual(removed, { groupId: g.id, userId: dan.user.id, deleted: false, ownerId: ann.user.id });
  await refused(bob, 'DELETE', `/api/groups/${g.id}/members/${dan.user.id}`, undefined, 404, 'User is not a member of this group');
  await refused(dan, 'GET', `/api/groups/${g.id}`, undefined, 404, 'Group not found');
});

test('the last owner leaving hands over to the oldest admin, then the oldest member; the last member deletes the group', async () => {
  const g = await ok(ann, 'POST', '/api/groups', { name: 'succession', memberIds: [bob.user.id, cat.user.id, dan.user.id] }, 201);
  await ok(ann, 'PATCH', `/api/groups/${g.id}/members/${dan.user.id}`, { role: 'admin' });
  const m = await groupMessage(bob, g.id, 'before the exodus');

  const annLeft = await call(ann, 'DELETE', `/api/groups/${g.id}/members/${ann.user.id}`);
  assert.equal(annLeft.status, 200);
  assert.equal(annLeft.body.message, 'You left the group');
  assert.deepEqual(annLeft.body.data, { groupId: g.id, userId: ann.user.id, deleted: false, ownerId: dan.user.id });
  await refused(ann, 'GET', `/api/chat/groups/${g.id}`, undefined, 404);

  const danLeft = await ok(dan, 'DELETE', `/api/groups/${g.id}/members/${dan.user.id}`);
  assert.equal(danLeft.ownerId, bob.user.id); // no admin left: the oldest member (ties by id)
  const shown = await ok(cat, 'GET', `/api/groups/${g.id}`);
  assert.deepEqual(roles(shown), [[bob.user.id, 'owner'], [cat.user.id, 'member']]);

  await ok(bob, 'DELETE', `/api/groups/${g.id}/members/${bob.user.id}`);
  const last = await ok(cat, 'DELETE', `/api/groups/${g.id}/members/${cat.user.id}`);
  assert.deepEqual(last, { groupId: g.id, userId: cat.user.id, deleted: true, ownerId: null });
  await refused(cat, 'GET', `/api/groups/${g.id}`, undefined, 404);
  await refused(ann, 'GET', `/api/chat/groups/${g.id}`, undefined, 404);
  assert.ok(m > 0);
});

test('history, read markers and conversations include groups', async () => {
  const g = await ok(cat, 'POST', '/api/groups', { name: 'chatty', memberIds: [dan.user.id] }, 201);
  const ids = [];
  for (const text of ['one', 'two', 'three']) ids.push(await groupMessage(dan, g.id, text));
  const own = await groupMessage(cat, g.id, 'mine');

  const page = await call(cat, 'GET', `/api/chat/groups/${g.id}?perPage=2`);
  assert.equal(page.status, 200);
  assert.equal(page.body.meta.totalItems, 4);
  assert.deepEqual(page.body.data.map((x) => x.content), ['mine', 'three']);
  assert.equal(page.body.data[1].groupId, g.id);
  assert.equal(page.body.data[1].isPublic, false);
  assert.equal(page.body.data[1].recipientId, null);
  const older = await call(cat, 'GET', `/api/chat/groups/${g.id}?before=${ids[2]}`);
  assert.deepEqual(older.body.data.map((x) => x.content), ['two', 'one']);
  // Not in the public history.
  const pub = await call(cat, 'GET', '/api/chat/public?perPage=100');
  assert.ok(!pub.body.data.some((x) => x.groupId === g.id));

  let list = (await ok(cat, 'GET', '/api/chat/conversations')).filter((c) => c.type === 'group');
  const entry = list.find((c) => c.group.id === g.id);
  assert.equal(entry.unreadCount, 3); // one's own message is never unread
  assert.equal(entry.lastMessage.id, own);
  assert.equal(entry.group.name, 'chatty');

  const marked = await ok(cat, 'PUT', `/api/chat/read/group/${g.id}`, { lastMessageId: ids[1] });
  assert.deepEqual(marked, { groupId: g.id, lastMessageId: ids[1], unreadCount: 1 });
  // Never back; never past the group's newest message.
  assert.equal((await ok(cat, 'PUT', `/api/chat/read/group/${g.id}`, { lastMessageId: ids[0] })).lastMessageId, ids[1]);
  const all = await ok(cat, 'PUT', `/api/chat/read/group/${g.id}`, { lastMessageId: '999999999' });
  assert.deepEqual(all, { groupId: g.id, lastMessageId: own, unreadCount: 0 });
  await refused(cat, 'PUT', `/api/chat/read/group/${g.id}`, {}, 400, ['lastMessageId should not be empty']);
  list = (await ok(cat, 'GET', '/api/chat/conversations')).filter((c) => c.type === 'group');
  assert.equal(list.find((c) => c.group.id === g.id).unreadCount, 0);

  // Over the socket too.
  const s = await connect(server, dan.token);
  try {
    const ack = await s.timeout(5000).emitWithAck('mark_read', { groupId: g.id, lastMessageId: own });
    assert.deepEqual(ack, { unreadCount: 0 });
  } finally {
    s.close();
  }

  // A new group without messages is listed too, and private conversations beside groups.
  const quiet = await ok(dan, 'POST', '/api/groups', { name: 'quiet' }, 201);
  const s2 = await connect(server, dan.token);
  await s2.timeout(5000).emitWithAck('private_message', { recipientId: cat.user.id, message: 'psst' });
  s2.close();
  const mixed = await ok(dan, 'GET', '/api/chat/conversations');
  assert.ok(mixed.some((c) => c.peer?.id === cat.user.id));
  const quietEntry = mixed.find((c) => c.type === 'group' && c.group.id === quiet.id);
  assert.equal(quietEntry.lastMessage, null);
  assert.equal(quietEntry.unreadCount, 0);
});
