// Groups in the chat store: listed beside private chats, their records (name, topic, members)
// kept current and never moved back, dropped when we leave or are removed, their messages,
// unread counts and read reports; who may do what (groups.js); how a group's text is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PUBLIC, directId, groupConversationId as gid } from '../../web/app/chat/ids.js';
import { roleOf, canManage, canRemove, groupSummary } from '../../web/app/chat/groups.js';
import { messageEvent } from '../../web/app/chat/sending.js';
import { ME, BOB, CAROL, signedIn, row, event, group, loaded } from './fixtures.mjs';

const order = (store) => store.chatList().map((c) => c.id);
const live = (store, c, ev, viewing = false) => store.receive(c, store.fromEvent(ev, 'text'), { matchOwn: false, viewing });

test('the conversation list brings groups beside private chats, by their latest message', () => {
  const { store, unknownGroups } = signedIn();
  store.applyConversations([
    { type: 'group', group: group(7, { name: 'Release crew' }), lastMessage: { ...row(40, { from: CAROL }), groupId: 7 }, unreadCount: 3 },
    { peer: BOB, lastMessage: row(30, { from: BOB, to: ME }), unreadCount: 1 },
    { type: 'group', group: group(8, { name: 'Quiet' }), lastMessage: null, unreadCount: 0 },
    { type: 'group', group: null }, // not a group the client can show: skipped
  ]);
  assert.deepEqual(order(store), ['g:8', 'g:7', 'u:2'], 'without messages first, then the latest message first');
  const crew = store.conversation(gid(7));
  assert.equal(crew.kind, 'group');
  assert.equal(crew.group.name, 'Release crew');
  assert.equal(crew.unreadCount, 3);
  assert.equal(crew.last.id, 40);
  assert.equal(crew.group.members, null, 'members come with the group itself, not with the list');
  assert.equal(store.totalUnread(), 4);
  assert.deepEqual(store.directConversations().map((c) => c.id), ['u:2'], 'presence follows people, not groups');
  assert.deepEqual(unknownGroups, [], 'groups the list describes are not looked up');
});

test('groups the list leaves out are gone, unless they came after the request', () => {
  const { store } = signedIn();
  store.applyGroup(group(1));
  store.applyGroup(group(2));
  const keepSince = store.ranks;
  store.applyGroup(group(3)); // created while the list was on its way
  store.conversation(directId(BOB.id));
  const { gone } = store.applyConversations([{ type: 'group', group: group(2), lastMessage: null }], { keepSince });
  assert.deepEqual(gone, [1]);
  assert.ok(order(store).includes('u:2'), 'a private chat opened here stays');
});

test('a message of a group we know nothing of asks for the group', () => {
  const { store, unknownGroups } = signedIn();
  const c = store.conversation(gid(9));
  assert.equal(c.group.name, 'group 9');
  assert.deepEqual(unknownGroups, [9]);
  store.conversation(gid(9));
  assert.deepEqual(unknownGroups, [9], 'once');
  store.applyGroup(group(9, { name: 'Design' }));
  assert.equal(c.group.name, 'Design');
});

test('group records: a newer one replaces ours, an older one is ignored, members only from the group itself', () => {
  const { store } = signedIn();
  const c = store.applyGroup(group(5, { name: 'One', members: [[ME, 'owner'], [BOB, 'member']], updatedAt: '2024-05-01T09:00:00.000Z' }));
  assert.deepEqual(c.group.members.map((m) => [m.username, m.role]), [['alice', 'owner'], ['bob', 'member']]);
  assert.equal(store.usernameOf(BOB.id), 'bob', 'members are people we know');
  store.applyGroup(group(5, { name: 'Two', topic: 'Friday', updatedAt: '2024-05-01T09:05:00.000Z' }));
  assert.equal(c.group.name, 'Two');
  assert.equal(c.group.topic, 'Friday');
  assert.equal(c.group.members, null, 'a change without members may have been to them: fetched again');
  store.applyGroup(group(5, { name: 'Stale', updatedAt: '2024-05-01T09:01:00.000Z' }));
  assert.equal(c.group.name, 'Two', 'an answer older than what we have does not move it back');
  assert.equal(store.applyGroup(group(5, { name: 'Two' , updatedAt: '2024-05-01T09:05:00.000Z', members: [[ME, 'owner']] })), c);
  assert.equal(c.group.members.length, 1);
});

test('leaving or being removed drops the group, its unsent messages, and the screen goes to the public room', () => {
  const { store } = signedIn();
  const c = loaded(store, gid(4), [{ ...row(1), groupId: 4 }]);
  store.applyGroup(group(4));
  store.open(c.id);
  const pending = store.addPending(c, { type: 'text', text: 'unsent' });
  store.queue(pending);
  const other = store.addPending(loaded(store, PUBLIC), { type: 'text', text: 'stays' });
  store.queue(other);
  assert.deepEqual(store.removeGroup(4), { removed: c, wasCurrent: true });
  assert.equal(store.current, PUBLIC);
  assert.equal(store.conversations.has(gid(4)), false);
  assert.deepEqual(store.outbox, [other]);
  assert.deepEqual(store.removeGroup(4), { removed: null, wasCurrent: false }, 'twice (our leave, then group_removed) is once');
});

test('group messages: unread while not in view, read reports name the group', () => {
  const { store } = signedIn();
  const c = loaded(store, gid(6), [{ ...row(1, { from: CAROL }), groupId: 6 }]);
  live(store, c, event(2, { from: BOB, groupId: 6 }));
  live(store, c, event(3, { from: ME, groupId: 6 }));
  assert.equal(c.unreadCount, 1, 'one\'s own message is never unread');
  assert.equal(c.items.at(-2).groupId, 6);
  assert.deepEqual(store.markRead(c), { groupId: 6, lastMessageId: 2, clearedUnread: true });
  assert.equal(store.markRead(c), null, 'already reported');
  live(store, c, event(4, { from: CAROL, groupId: 6 }), true);
  assert.equal(c.unreadCount, 0);
  assert.deepEqual(store.markRead(c), { groupId: 6, lastMessageId: 4, clearedUnread: false });
});

test('a group\'s text goes as group_message; pending sends know their group', () => {
  const { store } = signedIn();
  const c = loaded(store, gid(3));
  const m = store.addPending(c, { type: 'text', text: 'hello group' });
  assert.equal(m.groupId, 3);
  assert.deepEqual(messageEvent(c, m), ['group_message', { groupId: 3, message: 'hello group', clientMsgId: m.clientMsgId }]);
  const bob = loaded(store, directId(BOB.id));
  assert.equal(messageEvent(bob, m)[0], 'private_message');
  assert.equal(messageEvent(store.conversation(PUBLIC), m)[0], 'public_message');
});

test('who may do what: owner, admin, member', () => {
  const g = group(1, { ownerId: 1, members: [[ME, 'owner'], [BOB, 'admin'], [CAROL, 'member']] });
  const [owner, admin, plain] = g.members;
  assert.equal(roleOf(g, ME.id), 'owner');
  assert.equal(roleOf(g, 99), null);
  assert.equal(roleOf({ ...g, members: null }, ME.id), 'owner', 'the owner is known before the members are');
  assert.equal(roleOf({ ...g, members: null }, BOB.id), null);
  assert.ok(canManage(g, ME.id) && canManage(g, BOB.id));
  assert.equal(canManage(g, CAROL.id), false);
  // The owner removes anyone else; an admin only members; a member nobody; nobody "removes" oneself.
  assert.deepEqual([owner, admin, plain].map((m) => canRemove(g, ME.id, m)), [false, true, true]);
  assert.deepEqual([owner, admin, plain].map((m) => canRemove(g, BOB.id, m)), [false, false, true]);
  assert.deepEqual([owner, admin, plain].map((m) => canRemove(g, CAROL.id, m)), [false, false, false]);
  assert.equal(groupSummary(g), '3 members');
  assert.equal(groupSummary({ ...g, memberCount: 1, topic: 'Friday' }), '1 member · Friday');
});

test('a fetched member list that a change overtook is not kept', () => {
  const { store } = signedIn();
  const c = store.applyGroup(group(2));
  const fetchedAt = c.group.changes;
  store.applyGroup(group(2)); // group_updated while the fetch was on its way
  store.applyGroup(group(2, { members: [[ME, 'owner'], [BOB, 'member'], [CAROL, 'member']] }), { fetchedAt });
  assert.equal(c.group.members, null, 'stale: fetched again');
  store.applyGroup(group(2, { members: [[ME, 'owner'], [BOB, 'member']] }), { fetchedAt: c.group.changes });
  assert.equal(c.group.members.length, 2);
});
