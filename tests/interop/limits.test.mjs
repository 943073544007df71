// Limits and hostile peers: frames over maxPayload, malformed packets and a client that stops
// reading each cost only their own connection; everyone else carries on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  startConformance,
  connect,
  request,
  rawSocket,
  rawSocketIo,
  handmadeWebSocket,
  textFrame,
  metric,
  sleep,
} from './helpers.mjs';
import { rssIsChatds } from '../lib/measure.mjs';

const MAX_PAYLOAD = 200_000;
let server;
let bystander;  // a well-behaved client that must notice nothing
before(async () => {
  server = await startConformance({
    MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD),
    // Heartbeats must not be what drops the client that stops reading.
    PING_INTERVAL_MS: '20000',
    PING_TIMEOUT_MS: '20000',
  });
  bystander = await connect(server.url, { transports: ['websocket'] });
});
after(async () => {
  bystander.disconnect();
  await server.cleanup();
});

async function bystanderIsFine() {
  assert.deepEqual(await request(bystander, 'echo', 'fine'), ['fine']);
}

test('the handshake announces maxPayload', async () => {
  const text = await (await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`)).text();
  assert.equal(JSON.parse(text.slice(1)).maxPayload, MAX_PAYLOAD);
});

test('a WebSocket frame over maxPayload closes only that connection', async () => {
  const s = await rawSocketIo(server.url);
  s.send('42["message","' + 'x'.repeat(MAX_PAYLOAD - 100) + '"]');  // just under: fine
  assert.match(await s.nextData(), /^42\["message-back","x+"\]$/);
  s.send('42["message","' + 'x'.repeat(MAX_PAYLOAD + 10) + '"]');
  const { code } = await s.closed;
  assert.ok([1009, 1006].includes(code), `close code ${code}`);
  await bystanderIsFine();
});

test('a polling POST over maxPayload is refused with 413', async () => {
  const text = await (await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`)).text();
  const { sid } = JSON.parse(text.slice(1));
  const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
    method: 'POST',
    body: '4' + 'y'.repeat(MAX_PAYLOAD + 10),
  });
  assert.equal(res.status, 413);
  await res.text();
  await bystanderIsFine();
});

const malformed = [
  ['unknown engine.io packet type', 'x'],
  ['empty socket.io packet', '4'],
  ['unknown socket.io packet type', '4abc'],
  ['socket.io type out of range', '49["x"]'],
  ['event payload not an array', '42{}'],
  ['empty event array', '42[]'],
  ['invalid ack id', '42abc["message-with-ack",1]'],
  ['reserved event name', '42["disconnect"]'],
  ['broken JSON', '42["message",'],
  ['attachment count without dash', '451["x",{"_placeholder":true,"num":0}]'],
  ['CONNECT_ERROR from a client', '44{"message":"x"}'],
];

for (const [what, frame] of malformed) {
  test(`malformed: ${what} closes that connection only`, async () => {
    const s = await rawSocketIo(server.url);
    s.send(frame);
    await s.closed;
    await bystanderIsFine();
  });
}

test('malformed: a binary frame nobody announced closes the connection', async () => {
  const s = await rawSocketIo(server.url);
  s.send(Buffer.from([1, 2, 3]));
  await s.closed;
  await bystanderIsFine();
});

test('malformed: text where a binary attachment is due closes the connection', async () => {
  const s = await rawSocketIo(server.url);
  s.send('451-["message",{"_placeholder":true,"num":0}]');
  s.send('42["message","not an attachment"]');
  await s.closed;
  await bystanderIsFine();
});

test('malformed polling payload closes that session', async () => {
  const text = await (await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`)).text();
  const { sid } = JSON.parse(text.slice(1));
  const url = `${server.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
  const res = await fetch(url, { method: 'POST', body: '40\x1e42{}' });
  await res.text();
  let status = 200;
  for (let i = 0; i < 5 && status === 200; i++) status = (await fetch(url)).status;
  assert.equal(status, 400);
  await bystanderIsFine();
});

function rssBytes(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(m[1]) * 1024;
}

test('a WebSocket client that stops reading is dropped; memory stays bounded', async () => {
  const sockets = await metric(server, 'chatd_socketio_sockets');
  const dropped = await metric(server, 'chatd_slow_clients_dropped_total');
  // Joins "/" over a hand-made WebSocket, then never reads again.
  const slow = await handmadeWebSocket(server.port, '/socket.io/?EIO=4&transport=websocket');
  slow.write(textFrame('40'));
  slow.pause();
  for (let i = 0; i < 100 && (await metric(server, 'chatd_socketio_sockets')) !== sockets + 1; i++) await sleep(20);
  assert.equal(await metric(server, 'chatd_socketio_sockets'), sockets + 1);

  const rssBefore = rssBytes(server.child.pid);
  let rssPeak = rssBefore;
  const chunk = 'z'.repeat(100_000);
  const total = 400;  // 40 MB for the slow client: far beyond its 4 MiB queue and the kernel's buffers
  for (let i = 0; i < total; i += 20) {
    await Promise.all(Array.from({ length: 20 }, () => request(bystander, 'broadcast', null, chunk)));
    rssPeak = Math.max(rssPeak, rssBytes(server.child.pid));
  }
  let count = NaN;
  for (let i = 0; i < 100; i++) {
    count = await metric(server, 'chatd_slow_clients_dropped_total');
    if (count > dropped) break;
    await sleep(20);
  }
  assert.equal(count, dropped + 1);
  assert.equal(await metric(server, 'chatd_socketio_sockets'), sockets);
  // Unbounded, the queue alone would have grown by some 30 MB.
  const growth = rssPeak - rssBefore;
  if (rssIsChatds) assert.ok(growth < 16 * 1024 * 1024, `chatd grew by ${(growth / 1048576).toFixed(1)} MiB`);

  // The connection is gone: reading again drains what the kernel held, then hits its end.
  const ended = new Promise((resolve) => slow.on('close', resolve));
  slow.on('error', () => {});
  slow.resume();
  await ended;
  await bystanderIsFine();
});
