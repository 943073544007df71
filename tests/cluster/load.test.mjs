// A burst across three nodes: senders on every node, many receivers on every node, the rate
// limit off; every receiver gets every message exactly once, and each sender's messages in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, waitFor } from '../lib/chat-socket.mjs';
import { registerAndLogin } from '../lib/chatd.mjs';
import { startCluster, sleep } from '../lib/cluster.mjs';

const RECEIVERS_PER_NODE = 20;
const SENDERS_PER_NODE = 2;
const MESSAGES_PER_SENDER = 60;
const WINDOW = 8; // unacknowledged messages per sender

let cluster;
const receivers = [];
const senders = [];

before(async () => {
  cluster = await startCluster({ nodes: 3, env: { MESSAGE_RATE_PER_SECOND: '0' }, name: import.meta.filename });
  const users = await Promise.all(cluster.nodes.map((n) => registerAndLogin(n)));
  for (const [i, node] of cluster.nodes.entries()) {
    const made = await Promise.all(
      Array.from({ length: RECEIVERS_PER_NODE + SENDERS_PER_NODE }, (_, k) =>
        connect(node, users[i].token, k % 5 === 4 ? 'polling-only' : 'websocket'),
      ),
    );
    senders.push(...made.slice(0, SENDERS_PER_NODE));
    receivers.push(...made.slice(SENDERS_PER_NODE));
  }
  // Count instead of keeping every payload.
  for (const s of receivers) {
    s.received = [];
    s.offAny();
    s.seen = new Map(); // sender index → list of sequence numbers
    s.on('public_message', (p) => {
      const m = /^load \S+ (\d+) (\d+)$/.exec(p.message);
      if (!m) return;
      const k = Number(m[1]);
      if (!s.seen.has(k)) s.seen.set(k, []);
      s.seen.get(k).push(Number(m[2]));
    });
  }
});

after(async () => {
  for (const s of [...receivers, ...senders]) s.close();
  await cluster?.cleanup();
});

test(`${SENDERS_PER_NODE * 3} senders × ${MESSAGES_PER_SENDER} public messages to ${RECEIVERS_PER_NODE * 3} receivers on 3 nodes: each once, in order`, async () => {
  const t = randomBytes(4).toString('hex');
  const t0 = Date.now();
  await Promise.all(
    senders.map(async (s, k) => {
      let next = 0;
      const lane = async () => {
        while (next < MESSAGES_PER_SENDER) {
          const i = next++;
          await s.timeout(10000).emitWithAck('public_message', `load ${t} ${k} ${i}`);
        }
      };
      // WINDOW lanes: up to WINDOW messages in flight; order on the wire is the emit order.
      await Promise.all(Array.from({ length: WINDOW }, lane));
    }),
  );
  const total = senders.length * MESSAGES_PER_SENDER;
  const count = (s) => [...s.seen.values()].reduce((a, l) => a + l.length, 0);
  await waitFor(() => receivers.every((s) => count(s) >= total), 'every message at every receiver', 15000).catch((err) => {
    const short = receivers.map((s, i) => [i, Math.floor(i / RECEIVERS_PER_NODE) + 1, count(s)]).filter(([, , c]) => c < total);
    throw new Error(`${err.message}: ${short.length} receivers short (index, node, received of ${total}): ` +
      JSON.stringify(short.slice(0, 10)));
  });
  const took = Date.now() - t0;
  await sleep(300);
  for (const s of receivers) {
    assert.equal(count(s), total, 'no duplicates');
    for (let k = 0; k < senders.length; k++) {
      const seq = s.seen.get(k);
      assert.deepEqual(seq, Array.from({ length: MESSAGES_PER_SENDER }, (_, i) => i), `sender ${k}: all, in order`);
    }
  }
  console.log(`# ${total * receivers.length} deliveries in ${took} ms`);
});
