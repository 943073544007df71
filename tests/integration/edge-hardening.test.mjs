// The smaller holes of issue 15 (item 8), each against a real chatd: an image header declaring a
// huge size, a Socket.IO payload nested too deep, CORS with `*`, framing and content sniffing,
// and a Transfer-Encoding that is not exactly `chunked` (request smuggling).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startChatd, registerAndLogin, api } from '../lib/chatd.mjs';
import { connect, eventsOf, waitFor } from '../lib/chat-socket.mjs';
import { png } from '../lib/images.mjs';

let server;
let user;
before(async () => {
  server = await startChatd({ env: { CORS_ORIGINS: '*' } });
  user = await registerAndLogin(server);
});
after(async () => server?.cleanup());

async function upload(bytes) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'image/png' }), 'huge.png');
  const res = await fetch(server.url + '/api/chat/send-image', {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}` },
    body: form,
  });
  return { status: res.status, body: await res.json() };
}

test('a PNG declaring 1,000,000,000 px width is 415, not 503, and nothing is logged as an error', async () => {
  const logged = server.output().length;
  const huge = await upload(png(1_000_000_000, 10));
  assert.equal(huge.status, 415, JSON.stringify(huge.body));
  assert.equal(huge.body.message, 'image must be at most 100000 pixels wide and high');
  assert.equal((await upload(png(10, 2_147_483_647))).status, 415);
  const normal = await upload(png(100_000, 3));
  assert.equal(normal.status, 201, JSON.stringify(normal.body));
  assert.match(normal.body.data, /\.100000x3\.png$/);
  assert.doesNotMatch(server.output().slice(logged), /\[error\]/);
});

test('a Socket.IO payload nested deeper than 32 levels gets `exception`; the socket stays', async () => {
  const socket = await connect(server, user.token, 'websocket');
  try {
    let deep = 'bottom';
    for (let i = 0; i < 40; i++) deep = [deep];
    const ack = await socket.timeout(3000).emitWithAck('public_message', deep);
    assert.deepEqual(ack, { status: 'error', message: 'payload nested deeper than 32 levels' });
    await waitFor(() => eventsOf(socket, 'exception').length === 1, 'the exception event');
    assert.deepEqual(eventsOf(socket, 'exception')[0], ack);
    // Without an ack: the exception event only.
    socket.emit('private_message', { recipientId: user.user.id, message: deep });
    await waitFor(() => eventsOf(socket, 'exception').length === 2, 'a second exception event');
    // The connection is still up and works.
    assert.equal(socket.connected, true);
    const ok = await socket.timeout(3000).emitWithAck('public_message', 'still connected');
    assert.ok(ok.id, JSON.stringify(ok));
    // Nested as deep as allowed is not refused for its depth.
    let allowed = 'x';
    for (let i = 0; i < 30; i++) allowed = [allowed];
    const checked = await socket.timeout(3000).emitWithAck('public_message', allowed);
    assert.equal(checked.message, 'message must be a string');
  } finally {
    socket.close();
  }
});

test('CORS_ORIGINS=*: any origin may read, none with credentials; never an echo, `null` included', async () => {
  for (const origin of ['https://evil.example', 'null']) {
    const res = await api(server, 'GET', '/api/chat/public', { token: user.token, headers: { origin } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*', origin);
    assert.equal(res.headers.get('access-control-allow-credentials'), null, origin);
    assert.equal(res.headers.get('vary'), 'Origin');
  }
  const preflight = await fetch(server.url + '/api/chat/public', {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.equal(preflight.headers.get('access-control-allow-credentials'), null);
  assert.equal(preflight.headers.get('vary'), 'Origin');
  assert.match(preflight.headers.get('access-control-allow-headers'), /Authorization/);
});

test('the web client may not be framed; API JSON is nosniff', async () => {
  for (const path of ['/', '/app/main.js']) {
    const res = await fetch(server.url + path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
    assert.match(res.headers.get('content-security-policy'), /frame-ancestors 'none'/, path);
    assert.match(res.headers.get('content-security-policy'), /script-src 'self'/, path);
    await res.arrayBuffer();
  }
  const docs = await fetch(server.url + '/api-docs');
  assert.equal(docs.headers.get('x-frame-options'), 'DENY');
  await docs.arrayBuffer();
  for (const [path, status] of [
    ['/api/chat/public', 200],
    ['/api/nowhere', 404],
    ['/health', 200],
  ]) {
    const res = await api(server, 'GET', path, { token: user.token });
    assert.equal(res.status, status, path);
    assert.match(res.headers.get('content-type'), /json/, path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
  }
});

// Sends raw bytes on a new connection; resolves with everything received until the server
// closes it (or 2 s pass: then `open` is true).
function raw(bytes) {
  return new Promise((resolve) => {
    const sock = net.connect({ port: server.port, host: '127.0.0.1' });
    let received = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ received, open: true });
    }, 2000);
    sock.on('connect', () => sock.write(bytes));
    sock.on('data', (d) => (received += d));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ received, open: false });
    });
    sock.on('error', () => {});
  });
}

test('Transfer-Encoding other than exactly chunked: 400 and close, the smuggled request unanswered', async () => {
  const smuggled = 'GET /api/users/online HTTP/1.1\r\nHost: chatd\r\n\r\n';
  for (const coding of ['chunked, identity', 'identity', 'gzip', 'chunked\r\nTransfer-Encoding: gzip']) {
    const { received, open } = await raw(
      `POST /api/auth/login HTTP/1.1\r\nHost: chatd\r\nContent-Type: application/json\r\n` +
        `Transfer-Encoding: ${coding}\r\n\r\n0\r\n\r\n${smuggled}`,
    );
    assert.equal(open, false, coding);
    assert.match(received, /^HTTP\/1\.1 400 /, coding);
    assert.match(received, /"message":"Malformed request/, coding);
    assert.equal(received.split('HTTP/1.1').length - 1, 1, `${coding}: one answer only`);
  }
  // Exactly chunked is read as a body.
  const body = JSON.stringify({ email: 'nobody@example.com', password: 'wrong password' });
  const { received } = await raw(
    `POST /api/auth/login HTTP/1.1\r\nHost: chatd\r\nContent-Type: application/json\r\n` +
      `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
  );
  assert.match(received, /^HTTP\/1\.1 401 /);
});
