// A burst is not an attack: a client that flushes its offline buffer on reconnect (the official
// client queues emits while disconnected) is slowed down, never disconnected, and every emit
// gets its ack. Over the Engine.IO packet rate the server stops reading (WebSocket) or holds the
// POST (polling); over the chat message rate a message waits up to MESSAGE_RATE_WAIT_MS for a
// token, and only then gets the rate-limit error ack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { connect, waitFor } from '../lib/chat-socket.mjs';
import { startChatd, historyIds, registerAndLogin } from '../lib/chatd.mjs';

const N = 2000;
const RATE_ERROR = 'rate limit exceeded: too many messages, slow down';

let generous; // a message rate the flush fits in; Engine.IO packets at 1,000/s, burst 1,000
let defaults; // every limit at its default
before(async () => {
  [generous, defaults] = await Promise.all([
    startChatd({
      env: {
        MESSAGE_RATE_PER_SECOND: '1000',
        MESSAGE_BURST: '1000',
        PACKET_RATE_PER_SECOND: '1000',
        PACKET_BURST: '1000',
      },
    }),
    startChatd(),
  ]);
});
after(async () => {
  await generous?.cleanup();
  await defaults?.cleanup();
});

const publicIds = async (server, token) => (await historyIds(server, '/api/chat/public', token)).reverse();

// Emits n public messages while the socket is disconnected (socket.io-client buffers them),
// then reconnects: the buffer goes out at once. Resolves with the acks, in emit order.
async function flushOfflineBuffer(socket, n, tag) {
  socket.disconnect();
  const acks = Array.from({ length: n }, (_, i) => socket.emitWithAck('public_message', `${tag} ${i}`));
  const drops = [];
  socket.on('disconnect', (reason) => drops.push(reason));
  socket.connect();
  await new Promise((resolve) => socket.once('connect', resolve));
  const started = Date.now();
  const all = await Promise.all(acks);
  return { acks: all, drops, seconds: (Date.now() - started) / 1000 };
}

for (const transport of ['websocket', 'polling-only']) {
  test(`${N} emits queued offline (${transport}): all acked and stored in order after the reconnect`, async () => {
    const alice = await registerAndLogin(generous);
    const s = await connect(generous, alice.token, transport);
    const { acks, drops, seconds } = await flushOfflineBuffer(s, N, `offline-${transport}`);
    assert.deepEqual(drops, [], 'the connection was never dropped');
    assert.ok(s.connected);
    for (const [i, a] of acks.entries()) assert.equal(typeof a.id, 'number', `emit ${i}: ${JSON.stringify(a)}`);
    const ids = acks.map((a) => a.id);
    assert.equal(new Set(ids).size, N);
    // In emit order: one socket's messages are stored in the order it sent them.
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    const stored = await publicIds(generous, alice.token);
    assert.deepEqual(stored.filter((id) => ids.includes(id)), ids);
    // 2,000 packets at 1,000/s after a burst of 1,000: about a second of backpressure.
    assert.ok(seconds >= 0.5, `took ${seconds} s: the packet rate did not slow the flush`);
    const again = await s.timeout(5000).emitWithAck('public_message', 'after the flush');
    assert.equal(typeof again.id, 'number');
    s.close();
  });
}

test(`${N} emits queued offline at the default limits: every emit is acked (stored or refused), none dropped`, async (t) => {
  const bob = await registerAndLogin(defaults);
  const s = await connect(defaults, bob.token, 'websocket');
  const { acks, drops, seconds } = await flushOfflineBuffer(s, N, 'default');
  assert.deepEqual(drops, [], 'the connection was never dropped');
  const ok = acks.filter((a) => typeof a.id === 'number');
  const refused = acks.filter((a) => a.status === 'error');
  assert.equal(ok.length + refused.length, N, 'each ack is a success or an error');
  for (const r of refused) assert.deepEqual(r, { status: 'error', message: RATE_ERROR });
  t.diagnostic(`${ok.length} stored, ${refused.length} refused, last ack after ${seconds} s`);
  // The burst (20) at once, then 10/s for the 5 s a message may wait: about 70, never fewer
  // than the burst and never more than the rate allows over the whole flush.
  assert.ok(ok.length >= 20 + 40, `stored ${ok.length}`);
  assert.ok(ok.length <= 20 + 10 * (seconds + 1), `stored ${ok.length} in ${seconds} s`);
  // The first burst plus the waiting ones are the first emits: refusals start only after them.
  for (let i = 0; i < 60; i++) assert.equal(typeof acks[i].id, 'number', `emit ${i}`);
  // Refused within MESSAGE_RATE_WAIT_MS (5 s) of arriving, plus the 2 s the packets took.
  assert.ok(seconds < 12, `the last ack came after ${seconds} s`);
  const stored = await publicIds(defaults, bob.token);
  assert.deepEqual(new Set(stored), new Set(ok.map((a) => a.id)), 'exactly the acked ones are stored');
  await waitFor(() => s.received.filter((r) => r.event === 'exception').length === refused.length, 'an exception per refusal');
  s.close();
});

const PACKETS = 5000;

// A raw /chat client over WebSocket sends 5,000 packets in one write: the server reads them at
// PACKET_RATE_PER_SECOND and answers every one (an unknown event: exception + error ack).
test(`a raw WebSocket client sending ${PACKETS} packets at once is slowed, not disconnected`, async () => {
  const carol = await registerAndLogin(generous);
  const ws = new WebSocket(`${generous.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const acked = new Set();
  let connected = false;
  let closed = false;
  ws.on('message', (data) => {
    const text = data.toString();
    if (text === '2') return ws.send('3');
    if (text.startsWith('40/chat,')) connected = true;
    const m = text.match(/^43\/chat,(\d+)\[/);
    if (m) acked.add(Number(m[1]));
  });
  ws.on('close', () => (closed = true));
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(`40/chat,${JSON.stringify({ token: carol.token })}`);
  await waitFor(() => connected, 'CONNECT');
  const started = Date.now();
  for (let i = 0; i < PACKETS; i++) ws.send(`42/chat,${i}["burst_probe",${i}]`);
  await waitFor(() => acked.size === PACKETS || closed, 'every ack', 30000, 20);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(closed, false, 'the connection was not closed');
  assert.equal(acked.size, PACKETS);
  // 1,000 at once, 4,000 more at 1,000/s.
  assert.ok(seconds >= 3, `took only ${seconds} s: nothing was held back`);
  ws.close();
});

test(`a raw polling client POSTing ${PACKETS} packets at once gets its answer once they are read`, async () => {
  const dave = await registerAndLogin(generous);
  const base = `${generous.url}/socket.io/?EIO=4&transport=polling`;
  const open = JSON.parse((await (await fetch(base)).text()).slice(1));
  const url = `${base}&sid=${open.sid}`;
  const post = async (body) => {
    const res = await fetch(url, { method: 'POST', body });
    return { status: res.status, text: await res.text() };
  };
  assert.deepEqual(await post(`40/chat,${JSON.stringify({ token: dave.token })}`), { status: 200, text: 'ok' });
  const acked = new Set();
  let connected = false;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const res = await fetch(url);
      const text = await res.text();
      if (res.status !== 200) throw new Error(`GET ${res.status}: ${text}`);
      for (const packet of text.split('\x1e')) {
        if (packet === '2') await post('3');
        if (packet.startsWith('40/chat,')) connected = true;
        const m = packet.match(/^43\/chat,(\d+)\[/);
        if (m) acked.add(Number(m[1]));
        if (packet === '1') throw new Error('the session was closed');
      }
    }
  })();
  await waitFor(() => connected, 'CONNECT');
  const body = Array.from({ length: PACKETS }, (_, i) => `42/chat,${i}["burst_probe",${i}]`).join('\x1e');
  const started = Date.now();
  assert.deepEqual(await post(body), { status: 200, text: 'ok' });
  const seconds = (Date.now() - started) / 1000;
  assert.ok(seconds >= 3, `the POST was answered after ${seconds} s: nothing was held back`);
  await waitFor(() => acked.size === PACKETS, 'every ack', 10000, 20);
  polling = false;
  await post('1');
  await poller;
});
