// The HTTP layer itself: limits, unknown routes, keep-alive and pipelining, docs, health,
// metrics, and a graceful stop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startChatd, api, registerAndLogin, uniqueUser } from '../lib/chatd.mjs';

let server;
before(async () => {
  server = await startChatd({ env: { MAX_PAYLOAD_BYTES: '20000', CORS_ORIGINS: 'http://app.example' } });
});
after(async () => server.cleanup());

function rawExchange(port, payload, { until = (s) => false, timeout = 3000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(data);
    }, timeout);
    sock.on('data', (d) => {
      data += d;
      if (until(data)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(data);
      }
    });
    sock.on('end', () => {
      clearTimeout(timer);
      resolve(data);
    });
    sock.on('error', reject);
    sock.write(payload);
  });
}

test('health, readiness and metrics', async () => {
  const health = await api(server, 'GET', '/health');
  assert.equal(health.status, 200);
  assert.equal(health.body.status, 'ok');
  const ready = await api(server, 'GET', '/ready');
  assert.equal(ready.status, 200);
  assert.equal(ready.body.database, 'up');
  const metrics = await api(server, 'GET', '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.text, /chatd_http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
  assert.match(metrics.text, /chatd_http_request_duration_seconds_bucket/);
  assert.match(metrics.text, /chatd_http_open_connections \d+/);
});

test('unknown routes are 404 with the error envelope, under /api too', async () => {
  for (const path of ['/nope', '/api/nope', '/api/users/1/extra']) {
    const res = await api(server, 'GET', path);
    assert.equal(res.status, 404, path);
    assert.equal(res.body.statusCode, 404);
    assert.equal(res.body.success, false);
  }
  assert.equal((await api(server, 'DELETE', '/api/users')).status, 404);
});

test('a body over the limit is 413, the server keeps serving', async () => {
  const big = JSON.stringify({ ...uniqueUser(), full_name: 'x'.repeat(30000) });
  const res = await api(server, 'POST', '/api/auth/register', { body: big });
  assert.equal(res.status, 413);
  assert.equal(res.body.statusCode, 413);
  // Chunked bodies without a length are cut off while reading.
  const chunked = await rawExchange(
    server.port,
    'POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '4e20\r\n' + 'x'.repeat(20000) + '\r\n4e20\r\n' + 'x'.repeat(20000) + '\r\n0\r\n\r\n',
    { until: (s) => s.includes('\r\n\r\n{') && s.endsWith('}') },
  );
  assert.match(chunked, /^HTTP\/1\.1 413/);
  assert.equal((await api(server, 'GET', '/health')).status, 200);
});

test('garbage on the wire gets 400 and does not disturb anyone', async () => {
  const reply = await rawExchange(server.port, 'THIS IS NOT HTTP\r\n\r\n', { until: (s) => s.length > 0 });
  assert.ok(reply === '' || /^HTTP\/1\.1 400/.test(reply), reply);
  assert.equal((await api(server, 'GET', '/health')).status, 200);
});

test('keep-alive with pipelined requests answers each in order', async () => {
  const req = (p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const reply = await rawExchange(server.port, req('/health') + req('/nope') + req('/ready'), {
    until: (s) => (s.match(/HTTP\/1\.1 /g) || []).length === 3 && s.endsWith('}'),
  });
  const statuses = [...reply.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
  assert.deepEqual(statuses, ['200', '404', '200']);
});

test('CORS: allowed origins get headers and preflight answers; others do not', async () => {
  const ok = await fetch(server.url + '/health', { headers: { origin: 'http://app.example' } });
  assert.equal(ok.headers.get('access-control-allow-origin'), 'http://app.example');
  const pre = await fetch(server.url + '/api/users', {
    method: 'OPTIONS',
    headers: { origin: 'http://app.example', 'access-control-request-method': 'GET' },
  });
  assert.equal(pre.status, 204);
  assert.match(pre.headers.get('access-control-allow-headers'), /Authorization/);
  const other = await fetch(server.url + '/health', { headers: { origin: 'http://evil.example' } });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
});

test('OpenAPI document lists every route with schemas; Swagger UI is served', async () => {
  const doc = await api(server, 'GET', '/api-docs-json');
  assert.equal(doc.status, 200);
  assert.match(doc.body.openapi, /^3\./);
  const expected = {
    '/api/auth/register': ['post'],
    '/api/auth/login': ['post'],
    '/api/auth/refresh': ['post'],
    '/api/auth/logout': ['post'],
    '/api/profile/password': ['put'],
    '/api/users': ['get'],
    '/api/users/{userId}': ['get'],
    '/api/profile': ['get'],
    '/api/profile/update': ['put'],
    '/health': ['get'],
    '/ready': ['get'],
    '/metrics': ['get'],
    '/api/chat/search': ['get'],
  };
  for (const [path, methods] of Object.entries(expected)) {
    assert.ok(doc.body.paths[path], `missing ${path}`);
    for (const m of methods) assert.ok(doc.body.paths[path][m], `missing ${m} ${path}`);
  }
  assert.ok(doc.body.components.schemas.User);
  assert.ok(doc.body.components.securitySchemes);
  const page = await fetch(server.url + '/api-docs');
  assert.equal(page.status, 200);
  assert.match(await page.text(), /swagger-ui-bundle\.js/);
  const bundle = await fetch(server.url + '/api-docs/swagger-ui-bundle.js');
  assert.equal(bundle.status, 200);
  assert.match(bundle.headers.get('content-type'), /javascript/);
  const css = await fetch(server.url + '/api-docs/swagger-ui.css');
  assert.equal(css.status, 200);
  const traversal = await fetch(server.url + '/api-docs/..%2F..%2Fpackage.json');
  assert.equal(traversal.status, 404);
});

test('SIGTERM lets an in-flight request finish, then exits 0', async () => {
  const s = await startChatd();
  const { credentials } = await registerAndLogin(s);
  // A login takes a while (argon2id): stop the server while it runs.
  const pending = api(s, 'POST', '/api/auth/login', {
    body: { email: credentials.email, password: credentials.password },
  });
  await new Promise((r) => setTimeout(r, 20));
  const code = await s.stop('SIGTERM');
  const res = await pending;
  assert.equal(res.status, 201);
  assert.equal(code, 0);
  assert.match(s.output(), /chatd stopped/);
  await s.cleanup();
});
