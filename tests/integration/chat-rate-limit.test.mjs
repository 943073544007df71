// The per-user message rate (defaults: 10 messages/s, burst 20). With MESSAGE_RATE_WAIT_MS=0
// flooding gets `exception` events naming the rate limit at once, everything accepted is stored,
// the connection stays usable, and one user's flood does not limit anyone else. With the default
// wait (5 s), a message over the rate waits for its token instead (chat-burst.test.mjs floods it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, waitFor } from '../lib/chat-socket.mjs';
import { startChatd, historyIds as historyIdsOf, registerAndLogin } from '../lib/chatd.mjs';

const exceptions = (s) => s.received.filter((r) => r.event === 'exception').map((r) => r.args[0]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let server;
let waiting; // every default, MESSAGE_RATE_WAIT_MS=5000 included
let alice, bob, carol;
const sockets = [];

before(async () => {
  // default MESSAGE_RATE_PER_SECOND=10, MESSAGE_BURST=20; refused at once
  [server, waiting] = await Promise.all([startChatd({ env: { MESSAGE_RATE_WAIT_MS: '0' } }), startChatd()]);
  [alice, bob, carol] = await Promise.all([
    registerAndLogin(server),
    registerAndLogin(server),
    registerAndLogin(server),
  ]);
});

after(async () => {
  for (const s of sockets) s.close();
  await server?.cleanup();
  await waiting?.cleanup();
});

const historyIds = (path, token) => historyIdsOf(server, path, token);

test('40 public messages at once: the burst passes, the rest get a rate-limit exception, all accepted are stored', async () => {
  const s = await connect(server, alice.token, 'upgrade');
  sockets.push(s);
  const acks = await Promise.all(
    Array.from({ length: 40 }, (_, i) => s.timeout(5000).emitWithAck('public_message', `flood ${i}`)),
  );
  const ok = acks.filter((a) => typeof a.id === 'number');
  const refused = acks.filter((a) => a.status === 'error');
  assert.equal(ok.length + refused.length, 40);
  assert.ok(ok.length >= 20 && ok.length <= 30, `accepted ${ok.length}`);
  assert.ok(refused.length >= 10, `refused ${refused.length}`);
  for (const r of refused) assert.match(r.message, /rate limit/i);
  await waitFor(() => exceptions(s).length === refused.length, 'one exception per refused message');
  for (const e of exceptions(s)) assert.deepEqual(e, { status: 'error', message: refused[0].message });
  // The first 20 (the burst) are among the accepted ones: refusals only start once it is spent.
  for (let i = 0; i < 20; i++) assert.equal(typeof acks[i].id, 'number', `message ${i}`);

  const stored = await historyIds('/api/chat/public', alice.token);
  assert.deepEqual(new Set(stored), new Set(ok.map((a) => a.id)));
  // Every socket in public_room heard each accepted message once, and nothing refused.
  const heard = s.received.filter((r) => r.event === 'public_message').map((r) => r.args[0].id);
  await waitFor(
    () => s.received.filter((r) => r.event === 'public_message').length >= ok.length,
    'broadcasts',
  );
  assert.deepEqual(
    new Set(s.received.filter((r) => r.event === 'public_message').map((r) => r.args[0].id)),
    new Set(ok.map((a) => a.id)),
  );
  assert.ok(heard.length <= ok.length);

  // The connection stays usable: after a pause the bucket has refilled.
  await sleep(1200);
  const again = await s.timeout(5000).emitWithAck('public_message', 'after the flood');
  assert.equal(typeof again.id, 'number');
});

test('the limit is per user across devices and message kinds; other users are not limited', async () => {
  const [d1, d2, other] = await Promise.all([
    connect(server, bob.token, 'websocket'),
    connect(server, bob.token, 'upgrade'),
    connect(server, carol.token, 'websocket'),
  ]);
  sockets.push(d1, d2, other);
  const jobs = [];
  for (let i = 0; i < 20; i++) {
    jobs.push(d1.timeout(5000).emitWithAck('public_message', `bob d1 ${i}`));
    jobs.push(d2.timeout(5000).emitWithAck('private_message', { recipientId: carol.user.id, message: `bob d2 ${i}` }));
  }
  const acks = await Promise.all(jobs);
  const ok = acks.filter((a) => typeof a.id === 'number');
  assert.ok(ok.length >= 20 && ok.length <= 30, `accepted ${ok.length}`);
  for (const a of acks.filter((x) => x.status === 'error')) assert.match(a.message, /rate limit/i);
  // carol, meanwhile, may send her own burst.
  const carolAcks = await Promise.all(
    Array.from({ length: 15 }, (_, i) => other.timeout(5000).emitWithAck('public_message', `carol ${i}`)),
  );
  for (const a of carolAcks) assert.equal(typeof a.id, 'number', JSON.stringify(a));
  // What bob got through is stored: his private messages are in the conversation.
  const priv = await historyIds(`/api/chat/private/${bob.user.id}`, carol.token);
  const privOk = acks.filter((a, i) => i % 2 === 1 && typeof a.id === 'number').map((a) => a.id);
  assert.deepEqual(new Set(priv), new Set(privOk));
  await sleep(1200);
  const again = await d2
    .timeout(5000)
    .emitWithAck('private_message', { recipientId: carol.user.id, message: 'after the flood' });
  assert.equal(typeof again.id, 'number');
});

test('with the default wait, messages over the burst wait for their tokens: 35 at once are all stored, in order', async () => {
  const dan = await registerAndLogin(waiting);
  const s = await connect(waiting, dan.token, 'websocket');
  sockets.push(s);
  const started = Date.now();
  const acked = [];
  const acks = await Promise.all(
    Array.from({ length: 35 }, (_, i) =>
      s.timeout(10000).emitWithAck('public_message', `patient ${i}`).then((a) => {
        acked.push(Date.now() - started);
        return a;
      }),
    ),
  );
  for (const [i, a] of acks.entries()) assert.equal(typeof a.id, 'number', `message ${i}: ${JSON.stringify(a)}`);
  const ids = acks.map((a) => a.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  // 20 at once, then one token per 100 ms: the last of the 15 others about 1.5 s later.
  assert.ok(Math.max(...acked) >= 1200, `the last ack came after ${Math.max(...acked)} ms`);
  assert.equal(exceptions(s).length, 0);
});
