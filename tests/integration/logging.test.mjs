// LOG_FORMAT=json: every line chatd writes is one JSON object (time, level, message, fields);
// each HTTP request has an id, from a sane X-Request-Id or made by chatd, returned in the
// response and carried by that request's log lines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startChatd, api, runChatd, registerAndLogin } from '../lib/chatd.mjs';

let server;
before(async () => {
  server = await startChatd({ env: { LOG_FORMAT: 'json', LOG_LEVEL: 'debug' } });
});
after(async () => server.cleanup());

const lines = () => server.output().split('\n').filter(Boolean);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('every log line is one JSON object with time, level, message and fields', async () => {
  await registerAndLogin(server);
  await sleep(100);
  const all = lines();
  assert.ok(all.length >= 5, `${all.length} lines`);
  for (const line of all) {
    let entry;
    assert.doesNotThrow(() => (entry = JSON.parse(line)), line);
    assert.deepEqual(Object.keys(entry), ['time', 'level', 'message', 'fields'], line);
    assert.match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, line);
    assert.ok(['trace', 'debug', 'info', 'warning', 'error', 'critical'].includes(entry.level), line);
    assert.equal(typeof entry.message, 'string');
    assert.equal(typeof entry.fields, 'object');
  }
  assert.ok(all.some((l) => JSON.parse(l).message.startsWith('chatd listening on ')));
});

test('a sane X-Request-Id is kept, returned and in the request\'s log line', async () => {
  const id = 'client-3f1e:trace/42';
  const res = await api(server, 'GET', '/api/users?page=1', { headers: { 'x-request-id': id } });
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('x-request-id'), id);
  await sleep(100);
  const mine = lines().map((l) => JSON.parse(l)).filter((e) => e.fields.request_id === id);
  assert.equal(mine.length, 1, JSON.stringify(mine));
  assert.equal(mine[0].level, 'debug');
  assert.match(mine[0].message, /^GET \/api\/users 401 \d+\.\d{3} ms$/);
  assert.equal(mine[0].fields.remote, '127.0.0.1');
});

test('a missing or unsafe X-Request-Id is replaced by one chatd makes, different each time', async () => {
  const seen = new Set();
  for (const incoming of [undefined, '', 'two words', 'x'.repeat(129), 'a"b', 'a,b']) {
    const headers = incoming === undefined ? {} : { 'x-request-id': incoming };
    const res = await api(server, 'GET', '/health', { headers });
    const id = res.headers.get('x-request-id');
    assert.match(id, /^[0-9a-f]{16}-[0-9a-f]+$/, `for ${JSON.stringify(incoming)}`);
    seen.add(id);
  }
  assert.equal(seen.size, 6);
  await sleep(100);
  const logged = new Set(lines().map((l) => JSON.parse(l).fields.request_id));
  for (const id of seen) assert.ok(logged.has(id), `${id} logged`);
});

test('refused requests and answers of other kinds carry the id too', async () => {
  const big = await api(server, 'POST', '/api/auth/login', {
    headers: { 'x-request-id': 'too-big-1', 'content-type': 'application/json' },
    raw: 'x'.repeat(2_000_000),
  });
  assert.equal(big.status, 413);
  assert.equal(big.headers.get('x-request-id'), 'too-big-1');
  const missing = await api(server, 'GET', '/no/such/route', { headers: { 'x-request-id': 'nf-1' } });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('x-request-id'), 'nf-1');
});

test('LOG_FORMAT=text (the default) keeps readable lines, with the fields after the message', async () => {
  const text = await startChatd({ env: { LOG_LEVEL: 'debug' } });
  try {
    await api(text, 'GET', '/health', { headers: { 'x-request-id': 'plain-1' } });
    await sleep(100);
    const line = text.output().split('\n').find((l) => l.includes('request_id=plain-1'));
    assert.match(line, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[debug\] GET \/health 200 [\d.]+ ms request_id=plain-1 remote=127\.0\.0\.1$/);
  } finally {
    await text.cleanup();
  }
});

test('a bad LOG_FORMAT stops start-up with one line naming it', () => {
  const r = runChatd([], { env: { LOG_FORMAT: 'xml' } });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, "chatd: LOG_FORMAT: expected one of text, json, got 'xml'\n");
});
