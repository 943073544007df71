// What Node's socket.io does for browsers beside the protocol, against chatd: the client bundle
// and its source maps under SOCKETIO_PATH (ETag = client version, 304, caching, gzip/deflate),
// compressed long-polling responses from 1 KiB on when the client accepts it
// (POLLING_COMPRESSION_BYTES), and another Engine.IO path (SOCKETIO_PATH) for clients and the
// web client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { gunzipSync, inflateSync } from 'node:zlib';
import { startChatd, runChatd, api, registerAndLogin } from '../lib/chatd.mjs';
import { connect } from '../lib/chat-socket.mjs';
import { io } from 'socket.io-client';

const clientPackage = new URL('../../web/node_modules/socket.io-client/', import.meta.url).pathname;
const version = JSON.parse(readFileSync(clientPackage + 'package.json', 'utf8')).version;
const dist = (name) => readFileSync(clientPackage + 'dist/' + name);

let server;
before(async () => {
  server = await startChatd();
});
after(async () => server?.cleanup());

// A GET (or POST) whose headers are exactly `headers` (fetch would add Accept-Encoding and
// decompress by itself). Resolves {status, headers, body: Buffer}.
function raw(node, path, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(node.url + path, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const decoded = (res) => {
  const coding = res.headers['content-encoding'];
  if (coding === 'gzip') return gunzipSync(res.body);
  if (coding === 'deflate') return inflateSync(res.body);
  return res.body;
};

test('the client bundles and their maps, with the client version as ETag, as Node serves them', async () => {
  for (const name of ['socket.io.js', 'socket.io.min.js', 'socket.io.esm.min.js']) {
    for (const file of [name, `${name}.map`]) {
      const res = await raw(server, `/socket.io/${file}`);
      assert.equal(res.status, 200, file);
      assert.equal(res.headers['content-type'],
        file.endsWith('.map') ? 'application/json; charset=utf-8' : 'application/javascript; charset=utf-8');
      assert.equal(res.headers.etag, `"${version}"`);
      assert.equal(res.headers['cache-control'], 'public, max-age=0');
      assert.equal(res.headers['content-encoding'], undefined);
      assert.ok(res.body.equals(dist(file)), `${file} is the file of the lockfile's package`);
    }
  }
  // A query string (a cache buster) is fine.
  assert.equal((await raw(server, '/socket.io/socket.io.min.js?v=1')).status, 200);
  for (const inm of [`"${version}"`, `W/"${version}"`]) {
    const res = await raw(server, '/socket.io/socket.io.min.js', { headers: { 'if-none-match': inm } });
    assert.equal(res.status, 304, inm);
    assert.equal(res.body.length, 0);
  }
  const stale = await raw(server, '/socket.io/socket.io.min.js', { headers: { 'if-none-match': '"0.0.1"' } });
  assert.equal(stale.status, 200);
  for (const missing of ['socket.io.msgpack.min.js', 'socket.io.slim.js', 'socket.io.js.gz', '../package.json']) {
    assert.equal((await raw(server, `/socket.io/${missing}`)).status, 404, missing);
  }
});

test('the bundles are gzip- or deflate-compressed as Accept-Encoding asks', async () => {
  for (const [accept, coding] of [['gzip, deflate, br', 'gzip'], ['deflate', 'deflate'],
    ['gzip;q=0.2, deflate;q=0.9', 'deflate'], ['br', undefined], ['gzip;q=0', undefined]]) {
    const res = await raw(server, '/socket.io/socket.io.js', { headers: { 'accept-encoding': accept } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], coding, accept);
    assert.equal(res.headers.vary, 'Accept-Encoding');
    assert.ok(decoded(res).equals(dist('socket.io.js')), accept);
    if (coding) assert.ok(res.body.length < dist('socket.io.js').length / 3, `${coding}: ${res.body.length} bytes`);
  }
  // What a browser sends: the bundle loads and runs (fetch decompresses).
  const res = await fetch(server.url + '/socket.io/socket.io.min.js');
  assert.equal(res.headers.get('content-encoding'), 'gzip');
  assert.equal(await res.text(), dist('socket.io.min.js').toString());
});

// A raw long-polling /chat session: the handshake, then the namespace CONNECT with the token.
async function pollingSession(node, token) {
  const open = await raw(node, '/socket.io/?EIO=4&transport=polling');
  const sid = JSON.parse(open.body.toString().slice(1)).sid;
  const path = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
  const post = await raw(node, path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `40/chat,${JSON.stringify({ token })}` });
  assert.equal(post.status, 200);
  const connected = await raw(node, path);
  assert.match(connected.body.toString(), /40\/chat,\{"sid"/);
  return path;
}

// Polls until the text shows up (answering pings); returns the response that carried it.
async function pollFor(node, path, text, headers) {
  for (let i = 0; i < 20; i++) {
    const res = await raw(node, path, { headers });
    assert.equal(res.status, 200);
    const body = decoded(res).toString();
    if (body.includes(text)) return res;
    if (body.split('\x1e').includes('2'))
      await raw(node, path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '3' });
  }
  throw new Error(`no poll carried ${text}`);
}

test('long-polling responses of 1 KiB or more are compressed when the client accepts it', async () => {
  const reader = await registerAndLogin(server);
  const writer = await registerAndLogin(server);
  const path = await pollingSession(server, reader.token);
  const sender = await connect(server, writer.token);
  try {
    const send = async (text) => {
      const ack = await sender.timeout(5000).emitWithAck('public_message', text);
      assert.equal(typeof ack.id, 'number', JSON.stringify(ack));
    };
    for (const [accept, coding] of [['gzip, deflate', 'gzip'], ['deflate', 'deflate'], [undefined, undefined], ['identity', undefined]]) {
      const text = `${accept}:` + 'x'.repeat(3000);
      await send(text);
      const headers = accept ? { 'accept-encoding': accept } : {};
      const res = await pollFor(server, path, text, headers);
      assert.equal(res.headers['content-encoding'], coding, String(accept));
      // Compressed or not, the answer depends on Accept-Encoding: shared caches must know.
      assert.equal(res.headers.vary, 'Accept-Encoding', String(accept));
      if (coding) assert.ok(res.body.length < 1000, `${res.body.length} bytes for ${decoded(res).length}`);
    }
    // Under the threshold: sent as it is.
    await send('short one');
    const small = await pollFor(server, path, 'short one', { 'accept-encoding': 'gzip' });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(small.headers.vary, 'Accept-Encoding');
    assert.ok(small.body.length < 1024);
  } finally {
    sender.close();
  }
});

test('POLLING_COMPRESSION_BYTES=0 turns polling compression off', async () => {
  const plain = await startChatd({ env: { POLLING_COMPRESSION_BYTES: '0' } });
  try {
    const reader = await registerAndLogin(plain);
    const writer = await registerAndLogin(plain);
    const path = await pollingSession(plain, reader.token);
    const sender = await connect(plain, writer.token);
    const text = 'y'.repeat(3500);
    const ack = await sender.timeout(5000).emitWithAck('public_message', text);
    assert.equal(typeof ack.id, 'number', JSON.stringify(ack));
    const res = await pollFor(plain, path, text, { 'accept-encoding': 'gzip' });
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers.vary, undefined);
    sender.close();
  } finally {
    await plain.cleanup();
  }
});

test('SOCKETIO_PATH moves Engine.IO, the bundles and what the web client is told', async () => {
  const moved = await startChatd({ env: { SOCKETIO_PATH: '/rt/' } });
  try {
    const u = await registerAndLogin(moved);
    for (const transports of [['polling'], ['websocket'], ['polling', 'websocket']]) {
      const socket = io(moved.url + '/chat', { path: '/rt', transports, forceNew: true, reconnection: false, auth: { token: u.token } });
      await new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      const ack = await socket.timeout(5000).emitWithAck('public_message', `over /rt ${transports}`);
      assert.equal(typeof ack.id, 'number');
      socket.close();
    }
    assert.equal((await raw(moved, '/rt/?EIO=4&transport=polling')).status, 200);
    assert.equal((await raw(moved, '/socket.io/?EIO=4&transport=polling')).status, 404);
    const stale = io(moved.url + '/chat', { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: u.token } });
    await assert.rejects(new Promise((resolve, reject) => {
      stale.once('connect', resolve);
      stale.once('connect_error', reject);
    }));
    stale.close();
    assert.equal((await raw(moved, '/rt/socket.io.esm.min.js')).status, 200);
    assert.equal((await raw(moved, '/socket.io/socket.io.js')).status, 404);
    const config = await api(moved, 'GET', '/app/server-config.js');
    assert.equal(config.status, 200);
    assert.equal(config.text, 'export const socketioPath = "/rt";\n');
    assert.match(config.headers.get('content-type'), /javascript/);
  } finally {
    await moved.cleanup();
  }
  const config = await api(server, 'GET', '/app/server-config.js');
  assert.equal(config.text, 'export const socketioPath = "/socket.io";\n');
});

test('a SOCKETIO_PATH on chatd\'s own routes is refused at start, in one line naming the setting', () => {
  const r = runChatd([], { env: { SOCKETIO_PATH: '/api' } });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, "chatd: SOCKETIO_PATH: /api is taken by chatd's own routes\n");
});
