// CORS as the settings make it (docs/configuration.md#cors): CORS_ORIGINS, CORS_ALLOWED_HEADERS,
// CORS_EXPOSED_HEADERS, CORS_CREDENTIALS, CORS_MAX_AGE_SECONDS, each checked on a preflight, a
// REST GET and Engine.IO long-polling (GET and POST), for listed, unlisted, `*` and `null` origins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startChatd, api, registerAndLogin, runChatd } from '../lib/chatd.mjs';

const APP = 'https://app.example';

// A chatd with these settings and a logged-in user, stopped after fn.
async function withChatd(env, fn) {
  const server = await startChatd({ env });
  try {
    const user = await registerAndLogin(server);
    await fn(server, user.token);
  } finally {
    await server.cleanup();
  }
}

function preflight(server, path, origin, { method = 'GET', headers } = {}) {
  const h = { origin, 'access-control-request-method': method };
  if (headers) h['access-control-request-headers'] = headers;
  return fetch(server.url + path, { method: 'OPTIONS', headers: h });
}

// An authenticated REST GET, a polling handshake and a polling POST, all from `origin`.
async function answersFrom(server, token, origin) {
  const rest = await api(server, 'GET', '/api/chat/public', { token, headers: { origin } });
  assert.equal(rest.status, 200);
  const eio = `${server.url}/socket.io/?EIO=4&transport=polling`;
  const open = await fetch(eio, { headers: { origin } });
  assert.equal(open.status, 200);
  const { sid } = JSON.parse((await open.text()).slice(1));
  const post = await fetch(`${eio}&sid=${sid}`, {
    method: 'POST',
    body: '40',
    headers: { origin, 'content-type': 'text/plain;charset=UTF-8' },
  });
  assert.equal(post.status, 200);
  await post.text();
  return { rest: rest.headers, open: open.headers, post: post.headers };
}

// Vary of each kind of answer while CORS is on: the polling GET may be compressed, so it varies
// on Accept-Encoding as well, Origin added after it.
const VARY = { rest: 'Origin', open: 'Accept-Encoding, Origin', post: 'Origin' };

// The CORS headers of an answer, absent ones as null.
function cors(headers) {
  const out = {};
  for (const name of ['allow-origin', 'allow-credentials', 'expose-headers'])
    out[name] = headers.get(`access-control-${name}`);
  out.vary = headers.get('vary');
  return out;
}

test('defaults with a listed origin: echoed with credentials and the default exposed headers; others get nothing', async () => {
  await withChatd({ CORS_ORIGINS: APP }, async (server, token) => {
    const granted = {
      'allow-origin': APP,
      'allow-credentials': 'true',
      'expose-headers': 'Retry-After, X-Request-Id',
      vary: 'Origin',
    };
    for (const [kind, headers] of Object.entries(await answersFrom(server, token, APP)))
      assert.deepEqual(cors(headers), { ...granted, vary: VARY[kind] }, kind);
    const none = { 'allow-origin': null, 'allow-credentials': null, 'expose-headers': null, vary: 'Origin' };
    for (const origin of ['https://evil.example', 'null'])
      for (const [kind, headers] of Object.entries(await answersFrom(server, token, origin)))
        assert.deepEqual(cors(headers), { ...none, vary: VARY[kind] }, `${origin} ${kind}`);

    const pre = await preflight(server, '/api/chat/public', APP, { headers: 'authorization,x-request-id' });
    assert.equal(pre.status, 204);
    assert.deepEqual(cors(pre.headers), granted);
    assert.equal(pre.headers.get('access-control-allow-methods'), 'DELETE, GET, PATCH, POST, PUT');
    assert.equal(pre.headers.get('access-control-allow-headers'), 'Authorization, Content-Type, X-Request-Id');
    assert.equal(pre.headers.get('access-control-max-age'), '600');
    const polling = await preflight(server, '/socket.io/?EIO=4&transport=polling', APP, {
      method: 'POST',
      headers: 'content-type',
    });
    assert.equal(polling.status, 204);
    assert.deepEqual(cors(polling.headers), granted);
    // An unlisted origin's OPTIONS is no preflight: an unrouted request without CORS headers.
    const refused = await preflight(server, '/api/chat/public', 'https://evil.example');
    assert.equal(refused.status, 404);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
    assert.equal(refused.headers.get('access-control-allow-methods'), null);
    // A route's own Vary stays, Origin is added to it.
    const bundle = await fetch(server.url + '/socket.io/socket.io.js', { headers: { origin: APP } });
    assert.equal(bundle.status, 200);
    await bundle.arrayBuffer();
    assert.equal(bundle.headers.get('vary'), 'Accept-Encoding, Origin');
  });
});

test('`*`: answered with `*` and never credentials, on every kind of answer', async () => {
  await withChatd({ CORS_ORIGINS: '*' }, async (server, token) => {
    const star = {
      'allow-origin': '*',
      'allow-credentials': null,
      'expose-headers': 'Retry-After, X-Request-Id',
      vary: 'Origin',
    };
    for (const origin of ['https://evil.example', 'null'])
      for (const [kind, headers] of Object.entries(await answersFrom(server, token, origin)))
        assert.deepEqual(cors(headers), { ...star, vary: VARY[kind] }, `${origin} ${kind}`);
    const pre = await preflight(server, '/api/users', 'https://evil.example');
    assert.equal(pre.status, 204);
    assert.deepEqual(cors(pre.headers), star);
    // Without Origin: no CORS headers, but the answer still varies on it.
    const plain = await api(server, 'GET', '/api/chat/public', { token });
    assert.deepEqual(cors(plain.headers), { ...star, 'allow-origin': null, 'expose-headers': null });
  });
  // A listed origin next to `*` keeps its credentials, explicitly asked for.
  await withChatd({ CORS_ORIGINS: `*, ${APP}`, CORS_CREDENTIALS: 'true' }, async (server, token) => {
    const { rest } = await answersFrom(server, token, APP);
    assert.equal(rest.get('access-control-allow-credentials'), 'true');
    const { rest: other } = await answersFrom(server, token, 'https://evil.example');
    assert.equal(other.get('access-control-allow-origin'), '*');
    assert.equal(other.get('access-control-allow-credentials'), null);
  });
});

test('CORS_ORIGINS=* with an explicit CORS_CREDENTIALS=true is refused at start, with one line', () => {
  const r = runChatd([], { env: { CORS_ORIGINS: '*', CORS_CREDENTIALS: 'true', PORT: '0' } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^chatd: CORS_CREDENTIALS: true is refused with CORS_ORIGINS=\*[^\n]*\n$/);
});

test('credentials off, custom allowed and exposed headers, max-age off', async () => {
  const env = {
    CORS_ORIGINS: APP,
    CORS_CREDENTIALS: 'false',
    CORS_ALLOWED_HEADERS: 'Authorization, Content-Type, X-Trace-Id',
    CORS_EXPOSED_HEADERS: 'X-Request-Id',
    CORS_MAX_AGE_SECONDS: '0',
  };
  await withChatd(env, async (server, token) => {
    const granted = { 'allow-origin': APP, 'allow-credentials': null, 'expose-headers': 'X-Request-Id', vary: 'Origin' };
    for (const [kind, headers] of Object.entries(await answersFrom(server, token, APP)))
      assert.deepEqual(cors(headers), { ...granted, vary: VARY[kind] }, kind);
    // The same grant whatever is asked for: X-Forbidden is not in it, so a browser refuses.
    for (const asked of ['x-trace-id', 'x-forbidden']) {
      const pre = await preflight(server, '/api/chat/public', APP, { headers: asked });
      assert.equal(pre.status, 204);
      assert.deepEqual(cors(pre.headers), granted);
      assert.equal(pre.headers.get('access-control-allow-headers'), 'Authorization, Content-Type, X-Trace-Id');
      assert.equal(pre.headers.get('access-control-max-age'), null);
    }
  });
  await withChatd({ CORS_ORIGINS: APP, CORS_MAX_AGE_SECONDS: '7200' }, async (server) => {
    const pre = await preflight(server, '/api/chat/public', APP);
    assert.equal(pre.headers.get('access-control-max-age'), '7200');
  });
});
