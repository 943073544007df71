// Slowloris against a real chatd: connections that drip their request header a byte at a time
// to hold every connection slot. Before HEADER_TIMEOUT_MS, the first request's header could take
// the keep-alive idle timeout (120 s): 1,100 sockets dripping one byte every 5 s held every slot
// until then. Now a header must be complete HEADER_TIMEOUT_MS after the connection opened (for
// later requests on a keep-alive connection: after their first byte), so the slots come back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startChatd } from '../lib/chatd.mjs';
import { metric, sleep } from '../lib/measure.mjs';

const SLOTS = 60; // MAX_CONNECTIONS
const ATTACKERS = 90;
const HEADER_TIMEOUT_MS = 2000;
const DRIP_MS = 250;

// A connection that sends a request header one byte every DRIP_MS, never finishing it. Resolves
// `closed` with the time the server closed it.
function dripper(port, localAddress) {
  const sock = net.connect({ port, host: '127.0.0.1', localAddress });
  const header = 'GET /health HTTP/1.1\r\nHost: chatd\r\n' + 'X-Padding: slow\r\n'.repeat(1000);
  let at = 0;
  const timer = setInterval(() => {
    if (!sock.destroyed && sock.writable) sock.write(header[at++ % header.length]);
  }, DRIP_MS);
  const closed = new Promise((resolve) => {
    sock.on('close', () => {
      clearInterval(timer);
      resolve(Date.now());
    });
  });
  sock.on('error', () => {});
  return { sock, closed };
}

// A whole /health request on a new connection: 'ok', or 'refused' when the connection was closed
// without an answer (no slot).
function probe(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let answer = '';
    sock.on('connect', () => sock.write('GET /health HTTP/1.1\r\nHost: chatd\r\nConnection: close\r\n\r\n'));
    sock.on('data', (d) => (answer += d));
    sock.on('close', () => resolve(answer.startsWith('HTTP/1.1 200') ? 'ok' : 'refused'));
    sock.on('error', () => {});
  });
}

test('slowloris: dripping headers hold connection slots for no longer than HEADER_TIMEOUT_MS', async () => {
  const server = await startChatd({
    env: { MAX_CONNECTIONS: String(SLOTS), HEADER_TIMEOUT_MS: String(HEADER_TIMEOUT_MS) },
  });
  try {
    const start = Date.now();
    // From several addresses, as a real attacker would (each under MAX_CONNECTIONS_PER_IP).
    const attackers = Array.from({ length: ATTACKERS }, (_, i) => dripper(server.port, `127.0.6.${1 + (i % 10)}`));
    await sleep(300);
    // Every slot is taken: a real client is turned away for now.
    assert.equal(await probe(server.port), 'refused');
    // The attack goes on; the slots come back once the header deadline has passed.
    let freedAt;
    while (!freedAt && Date.now() - start < HEADER_TIMEOUT_MS + 3000) {
      if ((await probe(server.port)) === 'ok') freedAt = Date.now();
      else await sleep(50);
    }
    assert.ok(freedAt, 'a real client got a slot back');
    const closedAt = await Promise.all(attackers.map((a) => a.closed));
    const slowest = Math.max(...closedAt) - start;
    const admitted = closedAt.filter((t) => t - start >= HEADER_TIMEOUT_MS - 100).length;
    console.log(
      `${ATTACKERS} dripping connections, ${SLOTS} slots: ${admitted} held until the deadline, the ` +
        `rest refused at once; a real client was served ${freedAt - start} ms after the attack began; ` +
        `the last dripping connection was closed after ${slowest} ms`,
    );
    assert.ok(admitted <= SLOTS, `${admitted} held a slot`);
    assert.ok(freedAt - start >= HEADER_TIMEOUT_MS - 100, 'not before the deadline');
    assert.ok(freedAt - start < HEADER_TIMEOUT_MS + 1500, `served after ${freedAt - start} ms`);
    assert.ok(slowest < HEADER_TIMEOUT_MS + 1500, `closed after ${slowest} ms, not the idle timeout`);
    assert.ok((await metric(server, 'chatd_connections_refused_total')) >= ATTACKERS - SLOTS);
  } finally {
    await server.cleanup();
  }
});

test('a keep-alive connection idle between requests is not cut at the header deadline', async () => {
  const server = await startChatd({ env: { HEADER_TIMEOUT_MS: '500' } });
  try {
    const sock = net.connect({ port: server.port, host: '127.0.0.1' });
    sock.on('error', () => {});
    let received = '';
    sock.on('data', (d) => (received += d));
    await new Promise((resolve) => sock.on('connect', resolve));
    const answers = () => received.split('HTTP/1.1 200').length - 1;
    sock.write('GET /health HTTP/1.1\r\nHost: chatd\r\n\r\n');
    while (answers() < 1) await sleep(10);
    await sleep(1200); // idle, well past the header deadline
    sock.write('GET /health HTTP/1.1\r\nHost: chatd\r\n\r\n');
    while (answers() < 2 && !sock.destroyed) await sleep(10);
    assert.equal(answers(), 2);
    // The second request's header starts, then stalls: cut after the deadline.
    const t0 = Date.now();
    sock.write('GET /health HTTP/1.1\r\nHost: ch');
    await new Promise((resolve) => sock.on('close', resolve));
    const waited = Date.now() - t0;
    assert.ok(waited >= 400 && waited < 1500, `closed after ${waited} ms`);
  } finally {
    await server.cleanup();
  }
});
