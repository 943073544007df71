// Starts real chatd processes for the node tests: a fresh data folder and a fresh database
// (SQLite file, or a new PostgreSQL database on the throwaway cluster of scripts/test.sh).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

export const database = process.env.TEST_DATABASE ?? 'sqlite';
const bin = process.env.CHATD_BIN ?? new URL('../../build/test/src/chatd', import.meta.url).pathname;

// A new, empty database on the PostgreSQL of CHATD_TEST_PG_URL; returns its URL.
export function freshPostgresUrl() {
  const base = process.env.CHATD_TEST_PG_URL;
  if (!base) throw new Error('CHATD_TEST_PG_URL is not set (scripts/test.sh sets it)');
  const name = 'chatd_' + randomBytes(6).toString('hex');
  execFileSync('psql', [base, '-q', '-c', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
  const url = new URL(base);
  url.pathname = '/' + name;
  return url.toString();
}

export function randomKey() {
  return randomBytes(32).toString('base64url');
}

// Starts chatd and resolves once it listens. Options: env (extra variables), database
// ('sqlite' | 'postgres' | a URL), dataDir (reuse a folder across restarts), bin, cwd (default:
// the data folder).
export async function startChatd(options = {}) {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'chatd-it-'));
  const db = options.database ?? database;
  let databaseUrl = db;
  if (db === 'sqlite') databaseUrl = `sqlite://${dataDir}/chatd.db`;
  else if (db === 'postgres') databaseUrl = freshPostgresUrl();
  const env = {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    PORT: String(options.port ?? 0),
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'info',
    WEB_ROOT: new URL('../../web', import.meta.url).pathname,
    IO_THREADS: '2',
    // Every test client is 127.0.0.1 and suites register hundreds of users: the per-IP attempt
    // limits are off unless a test turns them on (tests/integration/auth-throttle.test.mjs).
    LOGIN_RATE_PER_IP: '0',
    REGISTER_RATE_PER_IP: '0',
    // The sanitizer stage of scripts/test.sh runs these suites against an ASan + UBSan build.
    ASAN_OPTIONS: process.env.ASAN_OPTIONS,
    UBSAN_OPTIONS: process.env.UBSAN_OPTIONS,
    // Within any open-file limit a test machine has: the default (50,000) is lowered at start
    // to fit the limit, with a warning that tests of the start-up output would see.
    MAX_CONNECTIONS: '10000',
    ...options.env,
  };
  // A variable given as undefined is left out (WEB_ROOT: undefined: the binary finds its own).
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(options.bin ?? bin, [], { env, cwd: options.cwd ?? dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('chatd did not start:\n' + output)), 15000);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/listening on [^\s:]+:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`chatd exited with ${code}:\n${output}`));
    });
  });
  const server = {
    child,
    port,
    dataDir,
    databaseUrl,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill(signal);
      return exited;
    },
    async cleanup() {
      await server.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  child.removeAllListeners('exit');
  return server;
}

// fetch wrapper: JSON in and out. Returns {status, body, headers}.
export async function api(server, method, path, { token, body, headers = {}, raw } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload = raw;
  if (body !== undefined) {
    h['content-type'] ??= 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(server.url + path, { method, headers: h, body: payload });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers, text };
}

// api() from another client address: 127.0.0.0/8 is all loopback, so a test can be "another IP"
// (127.0.0.2, ...) for chatd's per-IP limits. Same result shape as api().
export async function apiFrom(server, ip, method, path, { token, body } = {}) {
  const { request } = await import('node:http');
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = request(server.url + path, { method, headers, localAddress: ip, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let parsed = text;
        try {
          parsed = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode, body: parsed, headers: new Headers(res.headers), text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

// Every message id of a history route (e.g. /api/chat/public), newest first, paged with before=.
export async function historyIds(server, path, token) {
  const ids = [];
  let cursor = '';
  for (;;) {
    const res = await api(server, 'GET', `${path}?perPage=100${cursor}`, { token });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
    if (res.body.data.length === 0) return ids;
    ids.push(...res.body.data.map((m) => m.id));
    cursor = `&before=${res.body.data.at(-1).id}`;
  }
}

let counter = 0;
export function uniqueUser(prefix = 'user') {
  counter += 1;
  const tag = `${prefix}${Date.now().toString(36)}${counter}${randomBytes(2).toString('hex')}`;
  return { email: `${tag}@example.com`, password: 'correct horse battery', username: tag };
}

// Registers and logs in; returns {user, token, credentials}.
export async function registerAndLogin(server, overrides = {}) {
  const credentials = { ...uniqueUser(), ...overrides };
  const reg = await api(server, 'POST', '/api/auth/register', { body: credentials });
  if (reg.status !== 201) throw new Error('register failed: ' + JSON.stringify(reg.body));
  const login = await api(server, 'POST', '/api/auth/login', {
    body: { email: credentials.email, password: credentials.password },
  });
  if (login.status !== 201) throw new Error('login failed: ' + JSON.stringify(login.body));
  return { user: reg.body.data.user, token: login.body.access_token, credentials };
}

// n users, registered and logged in one after the other.
export async function registerMany(server, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await registerAndLogin(server));
  return out;
}

// A 1×1 PNG, uploaded as a multipart `file` to an image route; the answer's `data` unless the
// status differs from `expected`, which throws.
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
async function uploadPixel(server, token, path, expected) {
  const form = new FormData();
  form.append('file', new Blob([PNG_1X1], { type: 'image/png' }), 'pixel.png');
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const body = await res.json();
  if (res.status !== expected) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body.data;
}

// A public image message through POST /api/chat/send-image; returns the URL chatd issued.
export function uploadChatImage(server, token) {
  return uploadPixel(server, token, '/api/chat/send-image', 201);
}

// The caller's avatar through POST /api/profile/update-image; returns its URL.
export async function uploadAvatar(server, token) {
  const user = await uploadPixel(server, token, '/api/profile/update-image', 200);
  return user.profile.profile_image;
}

// A TCP port nothing listens on right now (for helper servers: Redis, Azurite).
export async function freePort() {
  const srv = createServer();
  await new Promise((resolve, reject) => srv.listen(0, '127.0.0.1', resolve).once('error', reject));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

// Runs `chatd <args>` to completion (a command, not the server) with a fresh data folder unless
// options.dataDir is given; the fresh one is removed afterwards unless options.keep. Options: env
// (extra variables; undefined leaves one out), input (stdin text), database ('sqlite',
// 'postgres' or a URL; default TEST_DATABASE), bin, cwd. Returns {status, stdout, stderr,
// dataDir, databaseUrl}.
export function runChatd(args, options = {}) {
  const fresh = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'chatd-cli-'));
  const db = options.database ?? database;
  let databaseUrl = db;
  if (db === 'sqlite') databaseUrl = `sqlite://${dataDir}/chatd.db`;
  else if (db === 'postgres') databaseUrl = freshPostgresUrl();
  const env = { PATH: process.env.PATH, DATA_DIR: dataDir, DATABASE_URL: databaseUrl, ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const r = spawnSync(options.bin ?? bin, args, {
    env,
    cwd: options.cwd ?? dataDir,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 60000,
  });
  if (fresh && !options.keep) rmSync(dataDir, { recursive: true, force: true });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, dataDir, databaseUrl };
}
