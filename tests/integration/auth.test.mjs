// Registration, login and tokens against a real chatd, including interop with npm `jose`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EncryptJWT, jwtDecrypt, base64url } from 'jose';
import { startChatd, api, uniqueUser, registerAndLogin, randomKey } from '../lib/chatd.mjs';

const key = randomKey();
let server;
before(async () => {
  server = await startChatd({ env: { JWE_KEY: key } });
});
after(async () => server.cleanup());

function expectError(res, status) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.success, false);
  assert.equal(res.body.statusCode, status);
  assert.equal(res.body.code, status);
  assert.equal(typeof res.body.error, 'string');
  assert.ok(typeof res.body.message === 'string' || Array.isArray(res.body.message));
}

test('register returns 201 with the user and never the password', async () => {
  const u = uniqueUser();
  const res = await api(server, 'POST', '/api/auth/register', {
    body: { ...u, full_name: 'Ada L', location: 'London', age: '36' },
  });
  assert.equal(res.status, 201);
  assert.equal(res.body.success, true);
  const user = res.body.data.user;
  assert.equal(user.email, u.email);
  assert.equal(user.username, u.username);
  assert.equal(typeof user.id, 'number');
  assert.match(user.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(user.profile.full_name, 'Ada L');
  assert.equal(user.profile.age, 36);
  assert.equal(user.profile.location, 'London');
  assert.equal(user.profile.userId, user.id);
  assert.ok(!JSON.stringify(res.body).includes(u.password));
  assert.ok(!('password' in user) && !('password_hash' in user));
});

test('emails are unique case-insensitively and usernames are unique: 409', async () => {
  const u = uniqueUser();
  assert.equal((await api(server, 'POST', '/api/auth/register', { body: u })).status, 201);
  const sameEmail = { ...uniqueUser(), email: u.email.toUpperCase() };
  expectError(await api(server, 'POST', '/api/auth/register', { body: sameEmail }), 409);
  const sameName = { ...uniqueUser(), username: u.username };
  expectError(await api(server, 'POST', '/api/auth/register', { body: sameName }), 409);
  // Logging in with the upper-cased email works: emails are stored lower-cased.
  const login = await api(server, 'POST', '/api/auth/login', {
    body: { email: u.email.toUpperCase(), password: u.password },
  });
  assert.equal(login.status, 201);
});

test('register validation lists every problem', async () => {
  const res = await api(server, 'POST', '/api/auth/register', {
    body: { email: 'not-an-email', password: 'short', username: 5, age: 'old' },
  });
  expectError(res, 400);
  assert.ok(Array.isArray(res.body.message));
  const all = res.body.message.join('|');
  assert.match(all, /email must be an email/);
  assert.match(all, /password must be longer than or equal to 8 characters/);
  assert.match(all, /username must be a string/);
  assert.match(all, /age must be an integer/);
});

test('register rejects malformed JSON, non-objects and wrong content types', async () => {
  expectError(await api(server, 'POST', '/api/auth/register', { body: '{"email":' }), 400);
  expectError(await api(server, 'POST', '/api/auth/register', { body: '[1,2]' }), 400);
  expectError(
    await api(server, 'POST', '/api/auth/register', {
      body: JSON.stringify(uniqueUser()),
      headers: { 'content-type': 'text/plain' },
    }),
    415,
  );
});

test('login answers 201 with an unwrapped token and expires_in in seconds', async () => {
  const { credentials } = await registerAndLogin(server);
  const res = await api(server, 'POST', '/api/auth/login', {
    body: { email: credentials.email, password: credentials.password },
  });
  assert.equal(res.status, 201);
  assert.equal(typeof res.body.access_token, 'string');
  assert.equal(res.body.access_token.split('.').length, 5);
  assert.equal(res.body.expires_in, 86400);
  assert.equal(res.body.user.email, credentials.email);
});

test('login: wrong password and unknown email are 401 "Invalid credentials"; missing field 400', async () => {
  const { credentials } = await registerAndLogin(server);
  const wrong = await api(server, 'POST', '/api/auth/login', {
    body: { email: credentials.email, password: 'wrong password!' },
  });
  expectError(wrong, 401);
  assert.equal(wrong.body.message, 'Invalid credentials');
  const unknown = await api(server, 'POST', '/api/auth/login', {
    body: { email: 'nobody@example.com', password: 'whatever123' },
  });
  expectError(unknown, 401);
  assert.equal(unknown.body.message, 'Invalid credentials');
  expectError(await api(server, 'POST', '/api/auth/login', { body: { email: credentials.email } }), 400);
  expectError(await api(server, 'POST', '/api/auth/login', { body: { password: 'x' } }), 400);
});

test('protected routes: missing, garbage, tampered and expired tokens are 401', async () => {
  const { token } = await registerAndLogin(server);
  assert.equal((await api(server, 'GET', '/api/users', { token })).status, 200);
  expectError(await api(server, 'GET', '/api/users'), 401);
  expectError(await api(server, 'GET', '/api/users', { token: 'garbage' }), 401);
  expectError(await api(server, 'GET', '/api/users', { token: 'a.b.c.d.e' }), 401);
  const parts = token.split('.');
  const flip = (s) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
  for (const i of [0, 2, 3, 4]) {
    const t = [...parts];
    t[i] = flip(t[i]);
    expectError(await api(server, 'GET', '/api/users', { token: t.join('.') }), 401);
  }
  const expired = await new EncryptJWT({ username: 'x', sub: 1 })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt(1000)
    .setExpirationTime(2000)
    .encrypt(base64url.decode(key));
  expectError(await api(server, 'GET', '/api/users', { token: expired }), 401);
  // The scheme is case-insensitive.
  const lower = await fetch(server.url + '/api/users', { headers: { authorization: `bearer ${token}` } });
  assert.equal(lower.status, 200);
});

test('a token minted by jose is accepted, and chatd tokens decrypt with jose', async () => {
  const { user, token } = await registerAndLogin(server);
  const { payload, protectedHeader } = await jwtDecrypt(token, base64url.decode(key));
  assert.deepEqual(protectedHeader, { alg: 'dir', enc: 'A256GCM' });
  assert.equal(payload.sub, user.id); // a JSON number, as the original issued it
  assert.equal(payload.username, user.username);
  assert.ok(payload.exp - payload.iat === 86400);
  const minted = await new EncryptJWT({ username: user.username })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setSubject(String(user.id))
    .setIssuedAt()
    .setExpirationTime('1h')
    .encrypt(base64url.decode(key));
  const res = await api(server, 'GET', '/api/profile', { token: minted });
  assert.equal(res.status, 200);
  assert.equal(res.body.data.id, user.id);
});

test('a valid token whose user does not exist is 401', async () => {
  const ghost = await new EncryptJWT({ username: 'ghost', sub: 987654321 })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt()
    .setExpirationTime('1h')
    .encrypt(base64url.decode(key));
  expectError(await api(server, 'GET', '/api/profile', { token: ghost }), 401);
});

test('without JWE_KEY a key is generated once into data/jwe.key with mode 0600 and reused', async () => {
  const s1 = await startChatd();
  try {
    const { token } = await registerAndLogin(s1);
    const keyFile = join(s1.dataDir, 'jwe.key');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const before = readFileSync(keyFile, 'utf8');
    await s1.stop();
    const s2 = await startChatd({ dataDir: s1.dataDir, database: s1.databaseUrl });
    try {
      assert.equal(readFileSync(keyFile, 'utf8'), before);
      assert.equal((await api(s2, 'GET', '/api/profile', { token })).status, 200);
    } finally {
      await s2.stop();
    }
  } finally {
    await s1.cleanup();
  }
});

test('compat mode: RSA-OAEP-256 tokens from the original app keys are accepted and issued', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = mkdtempSync(join(tmpdir(), 'chatd-rsa-'));
  const privPem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const pubPem = publicKey.export({ type: 'spki', format: 'pem' });
  writeFileSync(join(dir, 'private.pem'), privPem);
  writeFileSync(join(dir, 'public.pem'), pubPem);
  const s = await startChatd({
    env: { JWE_PRIVATE_KEY_FILE: join(dir, 'private.pem'), JWE_PUBLIC_KEY_FILE: join(dir, 'public.pem') },
  });
  try {
    const { user, token } = await registerAndLogin(s);
    const { protectedHeader, payload } = await jwtDecrypt(token, privateKey);
    assert.equal(protectedHeader.alg, 'RSA-OAEP-256');
    assert.equal(payload.sub, user.id);
    const minted = await new EncryptJWT({ username: user.username, sub: user.id })
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .encrypt(publicKey);
    assert.equal((await api(s, 'GET', '/api/profile', { token: minted })).status, 200);
  } finally {
    await s.cleanup();
  }
});

test('bad configuration stops start-up with one line naming the variable', async () => {
  await assert.rejects(startChatd({ env: { JWE_KEY: 'too-short' } }), /JWE_KEY/);
  await assert.rejects(startChatd({ env: { PORT: 'abc' } }), /PORT/);
  await assert.rejects(startChatd({ database: 'mysql://x' }), /DATABASE_URL/);
});
