// Behaviours checked side by side with the reference: each probe runs against chatd
// (conformance mode) and against the Node Socket.IO server (tests/lib/reference-server.mjs, the
// npm socket.io of tests/package.json) with the same settings, and both must give the same
// observation, which is also spelled out here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Manager } from 'socket.io-client';
import { startConformance, PING_INTERVAL, PING_TIMEOUT, rawSocket, once, sleep } from './helpers.mjs';
import { startReference } from '../lib/reference-server.mjs';

const MAX_PAYLOAD = 10_000;
let chatd;
let node;
before(async () => {
  chatd = await startConformance({ MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD) });
  node = await startReference({
    pingInterval: PING_INTERVAL,
    pingTimeout: PING_TIMEOUT,
    maxHttpBufferSize: MAX_PAYLOAD,
  });
});
after(async () => {
  await chatd.cleanup();
  await node.cleanup();
});

// Runs probe(baseUrl) against both servers; they must agree, and agree with `expected`.
async function same(probe, expected) {
  const ours = await probe(chatd.url);
  const reference = await probe(node.url);
  assert.deepEqual(reference, expected, 'the reference behaves as this test says');
  assert.deepEqual(ours, reference, 'chatd behaves as the reference');
}

const eio = (base, query = '') => `${base}/socket.io/?EIO=4&transport=polling${query}`;

async function handshake(base) {
  const text = await (await fetch(eio(base))).text();
  return JSON.parse(text.slice(1)).sid;
}

async function answer(res) {
  return { status: res.status, body: await res.text() };
}

// A request whose body is sent in two parts: begin() sends the headers and the first part,
// finish() the rest; resolves with {status, body}.
function slowPost(url, first, rest) {
  const req = http.request(url, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', 'content-length': first.length + rest.length },
  });
  const done = new Promise((resolve) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', () => resolve({ status: 'connection error' }));
  });
  req.write(first);
  return { done, finish: () => req.end(rest) };
}

test('a polling POST that overlaps one still being sent: 400 with no body, the session is closed', async () => {
  await same(
    async (base) => {
      const sid = await handshake(base);
      const first = slowPost(eio(base, `&sid=${sid}`), '4', '0');
      await sleep(100);
      const second = await answer(await fetch(eio(base, `&sid=${sid}`), { method: 'POST', body: '40' }));
      const after = await answer(await fetch(eio(base, `&sid=${sid}`)));
      first.finish();
      await first.done;
      return { second, after };
    },
    {
      second: { status: 400, body: '' },
      after: { status: 400, body: '{"code":1,"message":"Session ID unknown"}' },
    },
  );
});

test('a WebSocket upgrade with an unknown sid or transport: 400 with the message as plain text', async () => {
  await same(
    async (base) => {
      const ws = base.replace('http', 'ws');
      const out = [];
      for (const query of ['EIO=4&transport=websocket&sid=no-such-session', 'EIO=4&transport=carrier-pigeon']) {
        const s = rawSocket(`${ws}/socket.io/?${query}`);
        const err = await s.opened.then(
          () => assert.fail('upgrade accepted'),
          (e) => e,
        );
        out.push({ status: err.status, body: err.body });
      }
      return out;
    },
    [
      { status: 400, body: 'Session ID unknown' },
      { status: 400, body: 'Transport unknown' },
    ],
  );
});

test('a polling POST over maxPayload: 413 with no body, and the session is closed', async () => {
  await same(
    async (base) => {
      const sid = await handshake(base);
      const post = await answer(
        await fetch(eio(base, `&sid=${sid}`), { method: 'POST', body: '4' + 'x'.repeat(MAX_PAYLOAD + 10) }),
      );
      await sleep(50);
      const after = await answer(await fetch(eio(base, `&sid=${sid}`)));
      return { post, after };
    },
    {
      post: { status: 413, body: '' },
      after: { status: 400, body: '{"code":1,"message":"Session ID unknown"}' },
    },
  );
});

test('a polling client over maxPayload sees "transport close"', async () => {
  await same(
    async (base) => {
      const manager = new Manager(base, { transports: ['polling'], reconnection: false });
      const socket = manager.socket('/');
      await once(socket, 'connect');
      socket.emit('echo', 'x'.repeat(MAX_PAYLOAD + 10));
      const [reason] = await once(socket, 'disconnect');
      return reason;
    },
    'transport close',
  );
});

test("the sid after the client's close packet: 400 Session ID unknown at once", async () => {
  await same(
    async (base) => {
      const sid = await handshake(base);
      const close = await answer(await fetch(eio(base, `&sid=${sid}`), { method: 'POST', body: '1' }));
      const after = await answer(await fetch(eio(base, `&sid=${sid}`)));
      return { close, after };
    },
    {
      close: { status: 200, body: 'ok' },
      after: { status: 400, body: '{"code":1,"message":"Session ID unknown"}' },
    },
  );
});

test('socket.disconnect(true) on one namespace sends DISCONNECT to every namespace, which stay down', async () => {
  await same(
    async (base) => {
      const manager = new Manager(base, { transports: ['websocket'], reconnectionDelay: 100 });
      const main = manager.socket('/');
      const custom = manager.socket('/custom');
      await Promise.all([once(main, 'connect'), once(custom, 'connect')]);
      const reasons = Promise.all([once(main, 'disconnect'), once(custom, 'disconnect')]);
      main.emit('disconnect-me', true);
      const [[a], [b]] = await reasons;
      await sleep(500);  // reconnection would be under way by now
      const stillDown = !main.connected && !custom.connected && !main.active && !custom.active;
      manager.engine?.close();
      return { main: a, custom: b, stillDown };
    },
    { main: 'io server disconnect', custom: 'io server disconnect', stillDown: true },
  );
});
