// The Engine.IO / Socket.IO wire protocol spoken by hand with fetch and ws: error answers,
// polling payloads, the upgrade sequence, duplicate polls, CORS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConformance, rawSocket, sleep } from './helpers.mjs';

let server;
before(async () => {
  // Slow heartbeats: no ping may slip into the exchanges checked byte for byte here.
  server = await startConformance({
    PING_INTERVAL_MS: '10000',
    PING_TIMEOUT_MS: '5000',
    CORS_ORIGINS: 'http://allowed.example',
  });
});
after(async () => server.cleanup());

const eio = (query = '') => `${server.url}/socket.io/?EIO=4&transport=polling${query}`;

async function handshake() {
  const res = await fetch(eio());
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.equal(text[0], '0');
  return JSON.parse(text.slice(1));
}

async function poll(sid) {
  const res = await fetch(eio(`&sid=${sid}`));
  return { status: res.status, text: await res.text() };
}

async function push(sid, body) {
  const res = await fetch(eio(`&sid=${sid}`), { method: 'POST', body });
  return { status: res.status, text: await res.text() };
}

// Polls until the received text (joined by \x1e) contains `needle`.
async function pollUntil(sid, needle) {
  let got = '';
  while (!got.includes(needle)) {
    const { status, text } = await poll(sid);
    assert.equal(status, 200);
    got += (got ? '\x1e' : '') + text;
  }
  return got;
}

async function expectError(url, init, code, message) {
  const res = await fetch(url, init);
  assert.equal(res.status, 400, `${url}: status`);
  assert.match(res.headers.get('content-type') ?? '', /json/);
  assert.deepEqual(await res.json(), { code, message });
}

test('HTTP 400 answers carry the official JSON bodies', async () => {
  await expectError(`${server.url}/socket.io/?EIO=4&transport=carrier-pigeon`, {}, 0, 'Transport unknown');
  await expectError(`${server.url}/socket.io/?EIO=4`, {}, 0, 'Transport unknown');
  await expectError(eio('&sid=no-such-session'), {}, 1, 'Session ID unknown');
  await expectError(eio(), { method: 'POST', body: '40' }, 2, 'Bad handshake method');
  await expectError(eio(), { method: 'PUT' }, 2, 'Bad handshake method');
  await expectError(`${server.url}/socket.io/?EIO=4&transport=websocket`, {}, 3, 'Bad request');
  await expectError(`${server.url}/socket.io/?EIO=3&transport=polling`, {}, 5, 'Unsupported protocol version');
  await expectError(`${server.url}/socket.io/?transport=polling`, {}, 5, 'Unsupported protocol version');
  const { sid } = await handshake();
  await expectError(eio(`&sid=${sid}`), { method: 'PUT' }, 3, 'Bad request');
});

// As the reference's abortUpgrade: 400 whatever the error, the message as the body.
test('WebSocket upgrade requests that open nothing get 400 and the message as text', async () => {
  const base = server.url.replace('http', 'ws');
  for (const [query, code, message] of [
    ['EIO=3&transport=websocket', 5, 'Unsupported protocol version'],
    ['EIO=4&transport=nope', 0, 'Transport unknown'],
    ['EIO=4&transport=websocket&sid=unknown', 1, 'Session ID unknown'],
  ]) {
    const s = rawSocket(`${base}/socket.io/?${query}`);
    const err = await s.opened.then(
      () => assert.fail('upgrade accepted'),
      (e) => e,
    );
    assert.equal(err.status, 400, `${code}`);
    assert.equal(err.body, message);
  }
});

test('handshake, payloads joined by \\x1e, and base64 binary on polling', async () => {
  const open = await handshake();
  assert.deepEqual(Object.keys(open).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
  assert.deepEqual(open.upgrades, ['websocket']);
  assert.equal(open.pingInterval, 10000);
  assert.equal(open.maxPayload, 1000000);
  const { sid } = open;
  assert.deepEqual(await push(sid, '40'), { status: 200, text: 'ok' });
  const [connect, auth] = (await pollUntil(sid, '42["auth"')).split('\x1e');
  assert.match(connect, /^40\{"sid":"[\w-]+"\}$/);
  assert.equal(auth, '42["auth",{}]');
  // Two events in one POST, one with a binary attachment ('b' + base64).
  const body = '42["message","a"]\x1e451-["message",{"_placeholder":true,"num":0}]\x1ebAQID';
  assert.deepEqual(await push(sid, body), { status: 200, text: 'ok' });
  assert.equal(await pollUntil(sid, 'bAQID'), '42["message-back","a"]\x1e451-["message-back",{"_placeholder":true,"num":0}]\x1ebAQID');
  // A close packet from the client ends the session: a GET waiting then ends with a noop, and
  // the sid is unknown at once (as on the Node server; node-parity.test.mjs).
  const waiting = poll(sid);
  await sleep(50);
  assert.deepEqual(await push(sid, '1'), { status: 200, text: 'ok' });
  assert.deepEqual(await waiting, { status: 200, text: '6' });
  assert.equal((await poll(sid)).status, 400);
});

test('upgrade: 2probe/3probe, the pending GET answered with a noop, then 5', async () => {
  const { sid } = await handshake();
  await push(sid, '40');
  await pollUntil(sid, '42["auth",{}]');
  const pending = fetch(eio(`&sid=${sid}`)).then(async (r) => ({ status: r.status, text: await r.text() }));
  await sleep(50);  // the GET is now waiting on the server
  const ws = rawSocket(`${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
  await ws.opened;
  ws.send('2probe');
  assert.equal(await ws.next(), '3probe');
  const answered = await pending;
  assert.equal(answered.status, 200);
  assert.equal(answered.text, '6');
  ws.send('5');
  ws.send('42["message","over ws"]');
  assert.equal(await ws.next(), '42["message-back","over ws"]');
  // Polling is over for this session.
  const after = await poll(sid);
  assert.equal(after.status, 400);
  assert.deepEqual(JSON.parse(after.text), { code: 3, message: 'Bad request' });
  // A second WebSocket for the same session is accepted and closed at once, like the
  // reference; the upgraded one goes on.
  const late = rawSocket(`${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
  await late.closed;
  ws.send('42["message","still"]');
  assert.equal(await ws.next(), '42["message-back","still"]');
  ws.close();
});

test('a failed probe leaves the session on polling', async () => {
  const { sid } = await handshake();
  await push(sid, '40');
  await pollUntil(sid, '42["auth",{}]');
  const ws = rawSocket(`${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
  await ws.opened;
  ws.send('hello');  // not a probe
  await ws.closed;
  assert.deepEqual(await push(sid, '42["message","poll"]'), { status: 200, text: 'ok' });
  assert.equal(await pollUntil(sid, 'message-back'), '42["message-back","poll"]');
});

test('a second concurrent GET closes the session', async () => {
  const { sid } = await handshake();
  const first = fetch(eio(`&sid=${sid}`)).then(async (r) => ({ status: r.status, text: await r.text() }));
  await sleep(50);
  const second = await poll(sid);
  assert.deepEqual(second, { status: 400, text: '' });  // as the reference: no body
  assert.deepEqual(await first, { status: 200, text: '1' });
  assert.equal((await poll(sid)).status, 400);
});

test('CORS headers on polling for an allowed origin only', async () => {
  const allowed = await fetch(eio(), { headers: { origin: 'http://allowed.example' } });
  assert.equal(allowed.status, 200);
  assert.equal(allowed.headers.get('access-control-allow-origin'), 'http://allowed.example');
  assert.equal(allowed.headers.get('access-control-allow-credentials'), 'true');
  const { sid } = JSON.parse((await allowed.text()).slice(1));
  const post = await fetch(eio(`&sid=${sid}`), {
    method: 'POST',
    body: '40',
    headers: { origin: 'http://allowed.example', 'content-type': 'text/plain;charset=UTF-8' },
  });
  assert.equal(post.headers.get('access-control-allow-origin'), 'http://allowed.example');
  const preflight = await fetch(eio(`&sid=${sid}`), {
    method: 'OPTIONS',
    headers: {
      origin: 'http://allowed.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://allowed.example');
  assert.match(preflight.headers.get('access-control-allow-methods'), /POST/);
  const other = await fetch(eio(), { headers: { origin: 'http://evil.example' } });
  assert.equal(other.status, 200);
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  await other.text();
});

test('over the session limit, polling handshakes get 403 {"code":4,"message":"Forbidden"}, upgrades 400', async () => {
  const small = await startConformance({ MAX_CONNECTIONS: '3' });
  try {
    // Sessions that joined a namespace hold their places; only anonymous ones make room.
    const joined = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${small.url}/socket.io/?EIO=4&transport=polling`);
      assert.equal(res.status, 200);
      const { sid } = JSON.parse((await res.text()).slice(1));
      const sent = await fetch(`${small.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '40' });
      assert.equal(sent.status, 200);
      await sent.text();
      const answer = await (await fetch(`${small.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`)).text();
      assert.match(answer, /^40/);
      joined.push(sid);
    }
    const res = await fetch(`${small.url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { code: 4, message: 'Forbidden' });
    const ws = rawSocket(`${small.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const err = await ws.opened.then(
      () => assert.fail('upgrade accepted'),
      (e) => e,
    );
    // An upgrade gets the reference's abortUpgrade answer: 400, the message as text.
    assert.equal(err.status, 400);
    assert.equal(err.body, 'Forbidden');
  } finally {
    await small.cleanup();
  }
});

test('anonymous sessions over MAX_ANONYMOUS_SESSIONS: the oldest is closed to make room', async () => {
  const small = await startConformance({ MAX_ANONYMOUS_SESSIONS: '2', HANDSHAKE_TIMEOUT_MS: '60000' });
  try {
    const open = async () => {
      const res = await fetch(`${small.url}/socket.io/?EIO=4&transport=polling`);
      assert.equal(res.status, 200);
      return JSON.parse((await res.text()).slice(1)).sid;
    };
    const [first, second, third] = [await open(), await open(), await open()];
    const pollOf = async (sid) => {
      const r = await fetch(`${small.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
      return { status: r.status, text: await r.text() };
    };
    // The first one is gone (its poll: "Session ID unknown"); the two newer ones still answer.
    assert.equal((await pollOf(first)).status, 400);
    for (const sid of [second, third]) {
      const push = await fetch(`${small.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '40' });
      assert.equal(push.status, 200, await push.text());
      assert.match((await pollOf(sid)).text, /^40/);
    }
  } finally {
    await small.cleanup();
  }
});
