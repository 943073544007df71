// Message search (docs/rest.md, "Search"): GET /api/chat/search finds the words of the messages
// the caller may read (public, its private conversations, its groups), best match first, in
// pages, with HTML-safe snippets; `conversation` narrows it; strangers find nothing of others'
// conversations; edits and deletes keep the index right; bad queries get 400 with the error
// envelope. Runs on SQLite and PostgreSQL (TEST_DATABASE).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, registerMany as people, uploadChatImage } from '../lib/chatd.mjs';
import { testScope } from '../lib/chat-socket.mjs';

const scope = testScope();
const { sockets } = scope;
// The search rate limit off, except where it is tested.
const start = (env = {}) => scope.start({ SEARCH_RATE_PER_SECOND: '0', ...env });
after(() => scope.cleanup());

const emit = (socket, event, payload) => socket.timeout(5000).emitWithAck(event, payload);
const search = (server, user, query) =>
  api(server, 'GET', '/api/chat/search?' + new URLSearchParams(query), { token: user.token });
const found = async (server, user, query) => {
  const res = await search(server, user, query);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data.map((m) => m.id).sort((x, y) => x - y);
};

async function group(server, owner, members) {
  const res = await api(server, 'POST', '/api/groups', {
    token: owner.token,
    body: { name: 'search', memberIds: members.map((m) => m.user.id) },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data;
}

test('finds what the caller may read, best first, with conversation and snippet', async () => {
  const server = await start();
  const [a, b, c] = await people(server, 3);
  const g = await group(server, a, [b]);
  const [sa, sb, sc] = await sockets(server, a, b, c);
  const pub = await emit(sc, 'public_message', 'the launch plan is public now');
  const ab = await emit(sa, 'private_message', { recipientId: b.user.id, message: 'our launch plan, between us' });
  const bc = await emit(sb, 'private_message', { recipientId: c.user.id, message: 'launch plan for carol' });
  const grp = await emit(sb, 'group_message', { groupId: g.id, message: 'Launch! Launch! LAUNCH plan' });

  const reacted = await emit(sb, 'react', { id: ab.id, emoji: '👍' });
  assert.equal(reacted.on, true, JSON.stringify(reacted));
  const res = await search(server, a, { q: 'launch plan' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.message, 'Messages found');
  assert.deepEqual(res.body.meta, { totalItems: 3, currentPage: 1, itemCount: 3, itemsPerPage: 20, totalPages: 1 });
  assert.equal(res.body.data[0].id, grp.id, 'three matches in a short text rank first');
  const byId = Object.fromEntries(res.body.data.map((m) => [m.id, m]));
  assert.deepEqual(Object.keys(byId).map(Number).sort((x, y) => x - y), [pub.id, ab.id, grp.id].sort((x, y) => x - y));
  assert.equal(byId[pub.id].conversation, 'public');
  assert.equal(byId[ab.id].conversation, `private:${b.user.id}`);
  assert.equal(byId[grp.id].conversation, `group:${g.id}`);
  assert.equal(byId[ab.id].content, 'our launch plan, between us');
  assert.equal(byId[ab.id].sender.username, a.user.username);
  assert.equal(byId[ab.id].snippet, 'our <mark>launch</mark> <mark>plan</mark>, between us');
  assert.equal(byId[grp.id].groupId, g.id);
  assert.deepEqual(byId[ab.id].reactions, [{ emoji: '👍', count: 1, mine: false }], 'results carry reactions as history does');
  assert.deepEqual(byId[pub.id].reactions, []);

  // The recipient sees the private one from its side; strangers find none of it.
  const fromB = await search(server, b, { q: 'launch', conversation: `private:${a.user.id}` });
  assert.deepEqual(fromB.body.data.map((m) => [m.id, m.conversation]), [[ab.id, `private:${a.user.id}`]]);
  assert.deepEqual(await found(server, c, { q: 'launch plan' }), [pub.id, bc.id]);
  assert.deepEqual(await found(server, b, { q: 'launch plan' }), [pub.id, ab.id, bc.id, grp.id]);
  assert.deepEqual(await found(server, a, { q: 'launch', conversation: 'public' }), [pub.id]);
  assert.deepEqual(await found(server, a, { q: 'launch', conversation: `group:${g.id}` }), [grp.id]);
  assert.deepEqual(await found(server, a, { q: 'launch', conversation: `private:${c.user.id}` }), []);
  assert.deepEqual(await found(server, a, { q: 'laun*' }), [pub.id, ab.id, grp.id]);

  // Who may not: a non-member's group filter, an unknown user.
  const denied = await search(server, c, { q: 'launch', conversation: `group:${g.id}` });
  assert.equal(denied.status, 404);
  assert.deepEqual(denied.body, { success: false, statusCode: 404, code: 404, error: 'Not Found', message: 'Group not found' });
  const unknown = await search(server, c, { q: 'launch', conversation: 'private:999999' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.message, 'User not found');
  const anonymous = await api(server, 'GET', '/api/chat/search?q=launch');
  assert.equal(anonymous.status, 401);

  // A member removed from the group no longer finds its messages.
  const removed = await api(server, 'DELETE', `/api/groups/${g.id}/members/${b.user.id}`, { token: a.token });
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  assert.deepEqual(await found(server, b, { q: 'launch plan' }), [pub.id, ab.id, bc.id]);
});

test('pages, the before filter and totals', async () => {
  const server = await start();
  const [a] = await people(server, 1);
  const [sa] = await sockets(server, a);
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await emit(sa, 'public_message', `report number ${i}`)).id);
  const p1 = await search(server, a, { q: 'report', limit: 2 });
  assert.deepEqual(p1.body.meta, { totalItems: 5, currentPage: 1, itemCount: 2, itemsPerPage: 2, totalPages: 3 });
  assert.deepEqual(p1.body.data.map((m) => m.id), [ids[4], ids[3]], 'equal rank: newest first');
  const p3 = await search(server, a, { q: 'report', limit: 2, page: 3 });
  assert.deepEqual(p3.body.data.map((m) => m.id), [ids[0]]);
  const past = await search(server, a, { q: 'report', limit: 2, page: 9 });
  assert.deepEqual([past.body.data, past.body.meta.totalItems], [[], 5]);
  const older = await search(server, a, { q: 'report', before: ids[2] });
  assert.deepEqual(older.body.data.map((m) => m.id), [ids[1], ids[0]]);
  assert.equal(older.body.meta.totalItems, 2);
});

test('edits and deletes keep the index right; images are not searched; snippets are HTML-safe', async () => {
  const server = await start();
  const [a, b] = await people(server, 2);
  const [sa] = await sockets(server, a);
  const m = await emit(sa, 'private_message', { recipientId: b.user.id, message: 'meet at the old station' });
  const gone = await emit(sa, 'public_message', 'station closed today');
  const upload = await uploadChatImage(server, a.token);
  await emit(sa, 'send_image', { imageUrl: upload });
  assert.deepEqual(await found(server, b, { q: 'station' }), [m.id, gone.id]);

  const edit = await api(server, 'PATCH', `/api/chat/messages/${m.id}`, { token: a.token, body: { message: 'meet at the new harbour' } });
  assert.equal(edit.status, 200, JSON.stringify(edit.body));
  await emit(sa, 'delete_message', { id: gone.id });
  assert.deepEqual(await found(server, b, { q: 'station' }), []);
  assert.deepEqual(await found(server, b, { q: 'closed' }), []);
  assert.deepEqual(await found(server, b, { q: 'old' }), []);
  const harbour = await search(server, b, { q: 'harbour' });
  assert.deepEqual(harbour.body.data.map((x) => [x.id, x.content, x.editedAt]), [[m.id, 'meet at the new harbour', edit.body.data.editedAt]]);
  assert.deepEqual(await found(server, b, { q: 'png' }), []);
  assert.deepEqual(await found(server, b, { q: 'uploads' }), []);

  const xss = await emit(sa, 'public_message', `<script>alert("x")</script> & 'quotes' <b>bold</b>`);
  for (const q of ['script', 'alert', 'bold', 'quotes']) {
    const res = await search(server, b, { q });
    assert.deepEqual(res.body.data.map((x) => x.id), [xss.id], q);
    const snippet = res.body.data[0].snippet;
    assert.doesNotMatch(snippet.replaceAll('<mark>', '').replaceAll('</mark>', ''), /[<>"']/, snippet);
    assert.match(snippet, new RegExp(`<mark>${q}</mark>`), snippet);
  }
  const one = await search(server, b, { q: 'alert' });
  assert.equal(
    one.body.data[0].snippet,
    '&lt;script&gt;<mark>alert</mark>(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39; &lt;b&gt;bold&lt;/b&gt;',
  );
  // Query syntax of either database is plain text here.
  for (const q of ['"station', 'NOT station', 'a OR b', 'x AND', 'NEAR(a b)', 'col:station', "it's", '!x | y', 'x <-> y', '\\']) {
    const res = await search(server, b, { q });
    assert.ok(res.status === 200 || res.status === 400, `${q}: ${res.status} ${JSON.stringify(res.body)}`);
    if (res.status === 400) assert.equal(res.body.message, 'q must contain a word (letters or digits)', q);
  }
});

test('bad input: 400 with the error envelope, in the documented order; the server goes on', async () => {
  const server = await start();
  const [a] = await people(server, 1);
  const long = 'x'.repeat(201);
  const cases = [
    [{}, 'q should not be empty'],
    [{ q: '   ' }, 'q should not be empty'],
    [{ q: long }, 'q must be at most 200 characters'],
    [{ q: '!!! --- ***' }, 'q must contain a word (letters or digits)'],
    [{ q: 'a b c d e f g h i' }, 'q may contain at most 8 words'],
    [{ q: 'a*' }, 'a prefix needs at least 2 characters before *'],
    [{ q: 'ok', conversation: 'lobby' }, 'conversation must be public, private:<userId> or group:<groupId>'],
    [{ q: 'ok', conversation: 'private:x' }, 'conversation must be public, private:<userId> or group:<groupId>'],
    [{ q: 'ok', conversation: 'group:-1' }, 'conversation must be public, private:<userId> or group:<groupId>'],
    [{ q: 'ok', conversation: `private:${a.user.id}` }, 'conversation private:<userId> must name another user than yourself'],
    [{ q: 'ok', before: '0' }, 'before must be a positive integer'],
    [{ q: 'ok', page: '0' }, 'page must be an integer between 1 and 500'],
    [{ q: 'ok', limit: '51' }, 'limit must be an integer between 1 and 50'],
    [{ q: long, conversation: 'lobby' }, 'q must be at most 200 characters'],
  ];
  for (const [query, message] of cases) {
    const res = await search(server, a, query);
    assert.equal(res.status, 400, JSON.stringify(query));
    assert.deepEqual(res.body, { success: false, statusCode: 400, code: 400, error: 'Bad Request', message }, JSON.stringify(query));
  }
  const bad = await api(server, 'GET', '/api/chat/search?q=%FF%FE', { token: a.token });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.message, 'q must be valid UTF-8 text');
  assert.equal((await search(server, a, { q: 'ok' })).status, 200);
});

test('rate limit: 10 searches at once, then 2 per second; 429 with the envelope', async () => {
  const server = await start({ SEARCH_RATE_PER_SECOND: '2', SEARCH_BURST: '10' });
  const [a, b] = await people(server, 2);
  const statuses = [];
  for (let i = 0; i < 12; i++) statuses.push((await search(server, a, { q: 'anything' })).status);
  assert.deepEqual(statuses.slice(0, 10), Array(10).fill(200));
  assert.ok(statuses.slice(10).includes(429), statuses.join());
  const res = await search(server, a, { q: 'anything' });
  assert.deepEqual(res.body, {
    success: false,
    statusCode: 429,
    code: 429,
    error: 'Too Many Requests',
    message: 'rate limit exceeded: too many searches, slow down',
  });
  assert.equal((await search(server, b, { q: 'anything' })).status, 200, 'another user has a bucket of its own');
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await search(server, a, { q: 'anything' })).status, 200, 'the bucket refills');
});
