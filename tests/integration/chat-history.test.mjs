// A burst of 1,000 messages from several senders at once: none lost, none duplicated, each
// sender's order kept, ids increasing; then the history over REST with page/perPage and the
// `before` cursor, and its input checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startChatd, api, registerAndLogin } from '../lib/chatd.mjs';
import { connect, waitFor } from '../lib/chat-socket.mjs';

const TOTAL = 1000;
let server;
let users; // three users
let senders; // [{socket, user, name}]
let listeners; // sockets that only listen: upgraded to websocket, and long-polling only
let sent; // {text → {sender, seq, ack}}

before(async () => {
  server = await startChatd({ env: { MESSAGE_RATE_PER_SECOND: '0' } });
  users = await Promise.all([registerAndLogin(server), registerAndLogin(server), registerAndLogin(server)]);
  senders = [];
  for (const [i, u] of users.entries()) {
    senders.push({ user: u.user, name: `u${i}ws`, socket: await connect(server, u.token, 'websocket') });
    senders.push({ user: u.user, name: `u${i}up`, socket: await connect(server, u.token, 'upgrade') });
  }
  listeners = [await connect(server, users[0].token, 'upgrade'), await connect(server, users[2].token, 'polling-only')];
});

after(async () => {
  for (const s of senders ?? []) s.socket.close();
  for (const s of listeners ?? []) s.close();
  await server?.cleanup();
});

const seqOf = (text) => Number(text.split(' ')[2]);
const senderOf = (text) => text.split(' ')[1];

test('a burst of 1,000 public messages from six sockets at once: all acknowledged, ids increasing per sender', async () => {
  sent = new Map();
  const perSender = TOTAL / senders.length;
  const jobs = [];
  for (const [k, s] of senders.entries()) {
    const count = Math.floor(perSender) + (k < TOTAL % senders.length ? 1 : 0);
    for (let seq = 0; seq < count; seq++) {
      const text = `burst ${s.name} ${seq}`;
      const entry = { sender: s, seq };
      sent.set(text, entry);
      // Fire everything without waiting: the messages overlap in the server.
      jobs.push(s.socket.timeout(20000).emitWithAck('public_message', text).then((ack) => (entry.ack = ack)));
    }
  }
  assert.equal(sent.size, TOTAL);
  await Promise.all(jobs);
  const ids = new Set();
  for (const [text, e] of sent) {
    assert.equal(typeof e.ack.id, 'number', `${text}: ${JSON.stringify(e.ack)}`);
    ids.add(e.ack.id);
  }
  assert.equal(ids.size, TOTAL, 'every message has its own id');
  for (const s of senders) {
    const mine = [...sent.values()].filter((e) => e.sender === s).sort((a, b) => a.seq - b.seq);
    for (let i = 1; i < mine.length; i++)
      assert.ok(mine[i].ack.id > mine[i - 1].ack.id, `${s.name}: ids follow the sending order`);
  }
});

test('every socket (a long-polling one too) got each of the 1,000 broadcasts exactly once, in each sender\'s order', async () => {
  const sockets = [...senders.map((s) => s.socket), ...listeners];
  const burst = (s) => s.received.filter((r) => r.event === 'public_message' && r.args[0].message.startsWith('burst '));
  await waitFor(() => sockets.every((s) => burst(s).length >= TOTAL), 'all broadcasts', 10000);
  await new Promise((r) => setTimeout(r, 200));
  for (const s of sockets) {
    const got = burst(s).map((r) => r.args[0]);
    assert.equal(got.length, TOTAL);
    assert.equal(new Set(got.map((p) => p.id)).size, TOTAL, 'no duplicates');
    const last = new Map();
    for (const p of got) {
      const e = sent.get(p.message);
      assert.ok(e, 'a message that was sent');
      assert.equal(p.id, e.ack.id);
      assert.equal(p.sender, e.sender.user.id);
      const prev = last.get(senderOf(p.message)) ?? -1;
      assert.equal(seqOf(p.message), prev + 1, `order of ${senderOf(p.message)} kept`);
      last.set(senderOf(p.message), seqOf(p.message));
    }
  }
});

async function publicPage(query, token = users[1].token) {
  const res = await api(server, 'GET', '/api/chat/public' + query, { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

test('history with the before cursor: newest first, none lost, none duplicated, sender order kept', async () => {
  const seen = [];
  let cursor = '';
  for (;;) {
    const page = await publicPage(`?perPage=100${cursor}`);
    assert.equal(page.meta.totalItems, TOTAL);
    assert.equal(page.meta.itemsPerPage, 100);
    assert.equal(page.meta.itemCount, page.data.length);
    if (page.data.length === 0) break;
    seen.push(...page.data);
    cursor = `&before=${page.data.at(-1).id}`;
  }
  assert.equal(seen.length, TOTAL);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].id < seen[i - 1].id, 'strictly newest first');
  const texts = new Set(seen.map((m) => m.content));
  assert.equal(texts.size, TOTAL);
  for (const m of seen) {
    const e = sent.get(m.content);
    assert.ok(e, m.content);
    assert.equal(m.id, e.ack.id);
    assert.equal(m.senderId, e.sender.user.id);
    assert.equal(m.isPublic, true);
    assert.equal(m.recipientId, null);
    assert.equal(m.createdAt, e.ack.createdAt);
    assert.equal(typeof m.updatedAt, 'string');
    assert.equal(m.blobUrl, null);
  }
  const last = new Map();
  for (const m of [...seen].reverse()) {
    const prev = last.get(senderOf(m.content)) ?? -1;
    assert.equal(seqOf(m.content), prev + 1);
    last.set(senderOf(m.content), seqOf(m.content));
  }
});

test('history with page/perPage gives the same sequence, with the paginated envelope', async () => {
  const byCursor = [];
  for (let page = 1; page <= 10; page++) {
    const body = await publicPage(`?page=${page}&perPage=100`);
    assert.deepEqual(body.meta, {
      totalItems: TOTAL,
      currentPage: page,
      itemCount: 100,
      itemsPerPage: 100,
      totalPages: 10,
    });
    assert.equal(typeof body.message, 'string');
    byCursor.push(...body.data.map((m) => m.id));
  }
  assert.equal(new Set(byCursor).size, TOTAL);
  for (let i = 1; i < byCursor.length; i++) assert.ok(byCursor[i] < byCursor[i - 1]);
  const beyond = await publicPage('?page=11&perPage=100');
  assert.equal(beyond.data.length, 0);
  assert.equal(beyond.meta.totalItems, TOTAL);
  // Defaults: page 1, 10 per page.
  const first = await publicPage('');
  assert.equal(first.data.length, 10);
  assert.equal(first.meta.currentPage, 1);
  assert.equal(first.meta.itemsPerPage, 10);
  assert.equal(first.meta.totalPages, 100);
  assert.deepEqual(first.data.map((m) => m.id), byCursor.slice(0, 10));
  // Odd sizes line up with the same order.
  const p7 = await publicPage('?page=7&perPage=37');
  assert.deepEqual(p7.data.map((m) => m.id), byCursor.slice(6 * 37, 7 * 37));
  // A cursor in the middle: the next older messages.
  const mid = byCursor[500];
  const after = await publicPage(`?before=${mid}&perPage=25`);
  assert.deepEqual(after.data.map((m) => m.id), byCursor.slice(501, 526));
  // A cursor below the oldest message: nothing.
  const none = await publicPage(`?before=${byCursor.at(-1)}`);
  assert.equal(none.data.length, 0);
});

test('bad paging input → 400 with the error envelope', async () => {
  for (const q of [
    '?before=abc',
    '?before=12abc',
    '?before=',
    '?before=-3',
    '?before=0',
    '?perPage=0',
    '?perPage=101',
    '?perPage=ten',
    '?page=0',
    '?page=-1',
    '?page=x',
  ]) {
    const res = await api(server, 'GET', '/api/chat/public' + q, { token: users[0].token });
    assert.equal(res.status, 400, q);
    assert.equal(res.body.success, false);
    assert.equal(res.body.statusCode, 400);
    assert.equal(res.body.code, 400);
    assert.equal(typeof res.body.message, 'string');
  }
  const priv = await api(server, 'GET', `/api/chat/private/${users[1].user.id}?before=abc`, {
    token: users[0].token,
  });
  assert.equal(priv.status, 400);
  const unauth = await api(server, 'GET', '/api/chat/public');
  assert.equal(unauth.status, 401);
});

test('a private burst in both directions: both histories hold both directions in order', async () => {
  const [a, b] = [senders[0], senders[3]]; // users 0 and 1
  const jobs = [];
  const acks = { a: [], b: [] };
  for (let seq = 0; seq < 150; seq++) {
    jobs.push(
      a.socket
        .timeout(20000)
        .emitWithAck('private_message', { recipientId: b.user.id, message: `pm a ${seq}` })
        .then((ack) => (acks.a[seq] = ack)),
    );
    jobs.push(
      b.socket
        .timeout(20000)
        .emitWithAck('private_message', { recipientId: a.user.id, message: `pm b ${seq}` })
        .then((ack) => (acks.b[seq] = ack)),
    );
  }
  await Promise.all(jobs);
  for (const list of [acks.a, acks.b])
    for (let i = 1; i < list.length; i++) assert.ok(list[i].id > list[i - 1].id);

  const collect = async (path, token) => {
    const out = [];
    let cursor = '';
    for (;;) {
      const res = await api(server, 'GET', `${path}?perPage=100${cursor}`, { token });
      assert.equal(res.status, 200);
      assert.equal(res.body.meta.totalItems, 300);
      if (res.body.data.length === 0) return out;
      out.push(...res.body.data);
      cursor = `&before=${res.body.data.at(-1).id}`;
    }
  };
  const ta = users[0].token;
  const tb = users[1].token;
  const fromTo = await collect(`/api/chat/private/${a.user.id}/${b.user.id}`, ta);
  const toFrom = await collect(`/api/chat/private/${b.user.id}/${a.user.id}`, tb);
  const mine = await collect(`/api/chat/private/${b.user.id}`, ta);
  const theirs = await collect(`/api/chat/private/${a.user.id}`, tb);
  for (const list of [toFrom, mine, theirs]) assert.deepEqual(list.map((m) => m.id), fromTo.map((m) => m.id));
  assert.equal(fromTo.length, 300);
  for (let i = 1; i < fromTo.length; i++) assert.ok(fromTo[i].id < fromTo[i - 1].id);
  const seqs = { a: [], b: [] };
  for (const m of [...fromTo].reverse()) {
    const [, who, seq] = m.content.split(' ');
    seqs[who].push(Number(seq));
    assert.equal(m.isPublic, false);
    assert.equal(m.senderId, who === 'a' ? a.user.id : b.user.id);
    assert.equal(m.recipientId, who === 'a' ? b.user.id : a.user.id);
  }
  const expected = [...Array(150).keys()];
  assert.deepEqual(seqs.a, expected);
  assert.deepEqual(seqs.b, expected);
  // Private messages never show up in the public history.
  const pub = await publicPage('?perPage=100');
  assert.equal(pub.meta.totalItems, TOTAL);
});
