// Login throttling and per-IP limits against a real chatd: a brute force on one account gets 429
// with Retry-After after a few failures (doubling), while the owner from another IP and other
// accounts still log in; an unknown email is answered exactly like a wrong password; failure
// counts live in the database, so a second node on it sees them; per-IP attempt limits on login
// and registration. Other IPs are other loopback addresses (127.0.0.x).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startChatd, apiFrom, uniqueUser, randomKey } from '../lib/chatd.mjs';

// Each test attacks from an address of its own: failures per IP add up over the whole file.
const OWNER = '127.0.0.2';
const BASE_MS = 2000;
const env = {
  LOGIN_FAILURES_PER_ACCOUNT_IP: '3',
  LOGIN_FAILURES_PER_IP: '8',
  LOGIN_FAILURES_PER_ACCOUNT: '12',
  LOGIN_BACKOFF_BASE_MS: String(BASE_MS),
  LOGIN_BACKOFF_MAX_SECONDS: '60',
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let server;
let second; // another node on the same database: failure counts are shared
before(async () => {
  const key = randomKey();
  server = await startChatd({ env: { ...env, JWE_KEY: key } });
  second = await startChatd({
    database: server.databaseUrl,
    env: { ...env, JWE_KEY: key },
  });
});
after(async () => {
  await second?.cleanup();
  await server?.cleanup();
});

async function register(ip = OWNER) {
  const u = uniqueUser('thr');
  const res = await apiFrom(server, ip, 'POST', '/api/auth/register', { body: u });
  assert.equal(res.status, 201, res.text);
  return u;
}

const login = (node, ip, email, password) =>
  apiFrom(node, ip, 'POST', '/api/auth/login', { body: { email, password } });

function assertThrottled(res, message = 'Too many failed login attempts, please try again later') {
  assert.equal(res.status, 429, res.text);
  assert.equal(res.body.statusCode, 429);
  assert.equal(res.body.error, 'Too Many Requests');
  assert.equal(res.body.message, message);
  const retry = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retry) && retry >= 1, `Retry-After: ${res.headers.get('retry-after')}`);
  return retry;
}

test('brute force on one account: 429 with Retry-After after 3 failures, doubling after', async () => {
  const ATTACKER = '127.0.0.11';
  const victim = await register();
  for (let i = 1; i <= 3; i++) {
    const res = await login(server, ATTACKER, victim.email, `wrong-guess-${i}`);
    assert.equal(res.status, 401, res.text);
    assert.equal(res.body.message, 'Invalid credentials');
  }
  const first = assertThrottled(await login(server, ATTACKER, victim.email, 'wrong-guess-4'));
  assert.equal(first, BASE_MS / 1000);
  // Blocked means blocked: even the right password from this IP is refused (no oracle).
  assertThrottled(await login(server, ATTACKER, victim.email, victim.password));

  // The owner, from another IP, logs in; so does another account from the attacker's IP.
  assert.equal((await login(server, OWNER, victim.email, victim.password)).status, 201);
  const other = await register();
  assert.equal((await login(server, ATTACKER, other.email, other.password)).status, 201);

  // Once the block is over, one more wrong guess blocks for twice as long.
  await sleep(first * 1000 + 100);
  assert.equal((await login(server, ATTACKER, victim.email, 'wrong-guess-5')).status, 401);
  const doubled = assertThrottled(await login(server, ATTACKER, victim.email, 'wrong-guess-6'));
  assert.equal(doubled, (2 * BASE_MS) / 1000);
  // The other node reads the same counts from the database.
  assertThrottled(await login(second, ATTACKER, victim.email, victim.password));
});

test('a correct password after the block ends clears the account-and-IP count', async () => {
  const ATTACKER = '127.0.0.12';
  const u = await register();
  for (let i = 0; i < 3; i++) await login(server, ATTACKER, u.email, 'nope-nope');
  const wait = assertThrottled(await login(server, ATTACKER, u.email, u.password));
  await sleep(wait * 1000 + 100);
  assert.equal((await login(server, ATTACKER, u.email, u.password)).status, 201);
  // Counting starts again from zero: two more failures are answered 401, not 429.
  for (let i = 0; i < 2; i++)
    assert.equal((await login(server, ATTACKER, u.email, 'nope-again')).status, 401);
});

test('failures on one node count on the other (shared database)', async () => {
  const ATTACKER = '127.0.0.13';
  const u = await register();
  assert.equal((await login(server, ATTACKER, u.email, 'bad-1-bad')).status, 401);
  assert.equal((await login(second, ATTACKER, u.email, 'bad-2-bad')).status, 401);
  assert.equal((await login(server, ATTACKER, u.email, 'bad-3-bad')).status, 401);
  assertThrottled(await login(second, ATTACKER, u.email, 'bad-4-bad'));
});

test('an unknown email gets exactly what a wrong password gets, at the same cost', async () => {
  const known = await register();
  const unknown = uniqueUser('ghost');
  const trace = async (email) => {
    const out = [];
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      const res = await login(server, '127.0.0.9', email, 'not-the-password');
      out.push({ status: res.status, body: JSON.stringify(res.body), ms: performance.now() - t0 });
    }
    return out;
  };
  const a = await trace(known.email);
  const b = await trace(unknown.email);
  assert.deepEqual(
    a.map((r) => [r.status, r.body]),
    b.map((r) => [r.status, r.body]),
  );
  assert.deepEqual(a.map((r) => r.status), [401, 401, 401, 429]);
  // Both verify one argon2id hash per answered attempt: the times are of one size. Loose bound
  // (a shared machine); a look-up that skipped the hash would be ~50x faster.
  const mean = (rs) => rs.slice(0, 3).reduce((s, r) => s + r.ms, 0) / 3;
  const [ka, kb] = [mean(a), mean(b)];
  console.log(`wrong password ${ka.toFixed(1)} ms, unknown email ${kb.toFixed(1)} ms (mean of 3)`);
  assert.ok(kb > ka / 3 && kb < ka * 3, `wrong password ${ka} ms vs unknown email ${kb} ms`);
});

test('one IP trying many accounts is blocked for all of them, other IPs are not', async () => {
  const ip = '127.0.0.3';
  const users = [];
  for (let i = 0; i < 9; i++) users.push(await register());
  // 8 failures over 8 accounts (one each: no account-and-IP block).
  for (let i = 0; i < 8; i++)
    assert.equal((await login(server, ip, users[i].email, 'spray-spray')).status, 401);
  assertThrottled(await login(server, ip, users[8].email, users[8].password));
  assert.equal((await login(server, '127.0.0.4', users[8].email, users[8].password)).status, 201);
});

test('attempts per IP: LOGIN_RATE_PER_IP and REGISTER_RATE_PER_IP answer 429 per IP', async () => {
  const ATTACKER = '127.0.0.14';
  const limited = await startChatd({ env: { LOGIN_RATE_PER_IP: '4', REGISTER_RATE_PER_IP: '2' } });
  try {
    const u = uniqueUser('rate');
    const reg = (ip, user) => apiFrom(limited, ip, 'POST', '/api/auth/register', { body: user });
    assert.equal((await reg(ATTACKER, u)).status, 201);
    assert.equal((await reg(ATTACKER, uniqueUser('rate'))).status, 201);
    const third = await reg(ATTACKER, uniqueUser('rate'));
    const retry = assertThrottled(third, 'Too many registrations, please try again later');
    // Two per hour: the next one in about half an hour.
    assert.ok(retry > 1500 && retry <= 1800, `Retry-After ${retry}`);
    assert.equal((await reg(OWNER, uniqueUser('rate'))).status, 201);

    for (let i = 0; i < 4; i++) {
      const res = await login(limited, ATTACKER, u.email, u.password);
      assert.equal(res.status, 201, res.text);
    }
    const over = await login(limited, ATTACKER, u.email, u.password);
    const wait = assertThrottled(over, 'Too many login attempts, please try again later');
    assert.ok(wait >= 1 && wait <= 15, `Retry-After ${wait}`);
    assert.equal((await login(limited, OWNER, u.email, u.password)).status, 201);
    // Counted in the metrics.
    const metrics = await (await fetch(limited.url + '/metrics')).text();
    assert.match(metrics, /^chatd_auth_throttled_total 2$/m);
  } finally {
    await limited.cleanup();
  }
});
