// The command line: --version, --help (every setting of docs/configuration.md with its default),
// check-config, env-file, migrate, bad arguments and their exit statuses, and the warning about
// a web root that cannot serve the web client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChatd, startChatd, api } from '../lib/chatd.mjs';

const root = new URL('../../', import.meta.url).pathname;

// Variables named in the first column of the settings table of docs/configuration.md.
function documentedSettings() {
  const doc = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
  const table = doc.split('## Settings')[1].split('\n## ')[0];
  const names = new Set();
  for (const line of table.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const first = line.split('|')[1];
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(m[1]);
  }
  return names;
}

// Settings as `chatd --help` lists them: "  NAME=default".
function helpSettings(help) {
  const out = new Map();
  for (const m of help.matchAll(/^ {2}([A-Z][A-Z0-9_]+)=(\S*)/gm)) out.set(m[1], m[2]);
  return out;
}

function oneLine(text) {
  return text.trim().split('\n').length === 1;
}

test('--version prints the project version', () => {
  const version = readFileSync(join(root, 'CMakeLists.txt'), 'utf8').match(/VERSION (\d+\.\d+\.\d+)/)[1];
  for (const flag of ['--version', '-V']) {
    const r = runChatd([flag]);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `chatd ${version}\n`);
  }
});

test('--help lists the commands, the exit statuses and every documented setting with its default', () => {
  const r = runChatd(['--help']);
  assert.equal(r.status, 0, r.stderr);
  for (const word of ['migrate', 'check-config', 'env-file', 'user create', 'user set-password', 'user disable', 'user enable', 'user delete', 'Exit status'])
    assert.match(r.stdout, new RegExp(word));
  const listed = helpSettings(r.stdout);
  const documented = documentedSettings();
  assert.ok(documented.size >= 40, `found ${documented.size} settings in docs/configuration.md`);
  for (const name of documented) assert.ok(listed.has(name), `--help does not list ${name}`);
  for (const name of listed.keys()) assert.ok(documented.has(name), `${name} is not in docs/configuration.md`);
  assert.equal(listed.get('PORT'), '3001');
  assert.equal(listed.get('MAX_CONNECTIONS'), '50000');
  assert.equal(listed.get('DATABASE_URL'), 'sqlite://<DATA_DIR>/chatd.db');
});

test('a wrong command line exits 2 with one line naming the argument', () => {
  for (const [args, word] of [
    [['serve-now'], "unknown command 'serve-now'"],
    [['--frobnicate'], "unknown option '--frobnicate'"],
    [['migrate', 'now'], "migrate: unexpected argument 'now'"],
    [['check-config', '--verbose'], "check-config: unexpected argument '--verbose'"],
    [['--version', 'x'], "unexpected argument 'x'"],
  ]) {
    const r = runChatd(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(oneLine(r.stderr), r.stderr);
    assert.ok(r.stderr.includes(word), r.stderr);
    assert.equal(r.stdout, '');
  }
});

test('check-config prints the effective settings with secrets redacted', () => {
  const r = runChatd(['check-config'], {
    env: {
      PORT: '8080',
      JWE_KEY: 'A'.repeat(43),
      REDIS_URL: 'redis://:hunter2@127.0.0.1:6390/0',
      AZURE_STORAGE_CONNECTION_STRING: 'AccountName=acc;AccountKey=c2VjcmV0a2V5',
    },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^PORT=8080$/m);
  assert.match(r.stdout, /^HOST=0\.0\.0\.0 +# default$/m);
  assert.match(r.stdout, /^JWE_KEY=\*\*\*$/m);
  assert.match(r.stdout, /^REDIS_URL=redis:\/\/:\*\*\*@127\.0\.0\.1:6390\/0$/m);
  assert.match(r.stdout, /^AZURE_STORAGE_CONNECTION_STRING=AccountName=acc;AccountKey=\*\*\*$/m);
  for (const secret of ['AAAAAAAA', 'hunter2', 'c2VjcmV0a2V5']) assert.ok(!r.stdout.includes(secret), secret);
  assert.match(r.stdout, /^WEB_ROOT=\/\S+ +# default$/m);
  assert.match(r.stdout, /^CORS_ALLOWED_HEADERS=Authorization,Content-Type,X-Request-Id +# default$/m);
  assert.match(r.stdout, /^CORS_CREDENTIALS=true +# default$/m);
  assert.match(r.stdout, /^CORS_MAX_AGE_SECONDS=600 +# default$/m);
});

test('check-config and the server refuse a bad setting with one line naming it, exit 1', async () => {
  for (const [name, value] of [
    ['PORT', '99999'],
    ['LOG_LEVEL', 'loud'],
    ['MESSAGE_BURST', '0.5'],
    ['BLOB_STORE', 's3'],
    ['CORS_CREDENTIALS', 'yes'],
    ['CORS_ALLOWED_HEADERS', 'Content-Type, X Trace'],
    ['CORS_EXPOSED_HEADERS', '*'],
    ['CORS_MAX_AGE_SECONDS', '86401'],
    ['CORS_ORIGINS', 'https://app.example, https://admin.example/'],
    ['CORS_ORIGINS', 'app.example'],
    ['CORS_ORIGINS', '*, null'],
  ]) {
    const r = runChatd(['check-config'], { env: { [name]: value } });
    assert.equal(r.status, 1, `${name}=${value}`);
    assert.ok(oneLine(r.stderr), r.stderr);
    assert.ok(r.stderr.startsWith(`chatd: ${name}: `), r.stderr);
    const serve = runChatd([], { env: { [name]: value } });
    assert.equal(serve.status, 1);
    assert.equal(serve.stderr, r.stderr);
  }
  const r = runChatd(['check-config'], { env: { BLOB_STORE: 'azure' } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^chatd: AZURE_STORAGE_CONNECTION_STRING: required when BLOB_STORE=azure\n$/);
  // `*` never gets credentials: asking for them explicitly is a contradiction, not a default.
  const star = runChatd(['check-config'], { env: { CORS_ORIGINS: '*', CORS_CREDENTIALS: 'true' } });
  assert.equal(star.status, 1);
  assert.match(star.stderr, /^chatd: CORS_CREDENTIALS: true is refused with CORS_ORIGINS=\*[^\n]*\n$/);
  const listed = runChatd(['check-config'], { env: { CORS_ORIGINS: '*,https://app.example', CORS_CREDENTIALS: 'true' } });
  assert.equal(listed.status, 0, listed.stderr);
  // An origin that could never match says which entry, and what it should have been.
  const slash = runChatd(['check-config'], { env: { CORS_ORIGINS: 'https://app.example, HTTPS://Admin.example:443/' } });
  assert.equal(slash.status, 1);
  assert.equal(slash.stderr, "chatd: CORS_ORIGINS: 'HTTPS://Admin.example:443/' is not an origin as browsers send it " +
    "(it has a path): write 'https://admin.example'\n");
});

test('check-config warns about a web root that cannot serve the web client', () => {
  const missing = runChatd(['check-config'], { env: { WEB_ROOT: '/nonexistent/web' } });
  assert.equal(missing.status, 0);
  assert.match(missing.stderr, /^chatd: warning: web root \/nonexistent\/web is not a folder/);
  const empty = mkdtempSync(join(tmpdir(), 'chatd-web-'));
  const partial = runChatd(['check-config'], { env: { WEB_ROOT: empty } });
  assert.ok(oneLine(partial.stderr), partial.stderr);
  assert.ok(partial.stderr.includes(`web root ${empty} is incomplete, missing index.html`), partial.stderr);
  assert.ok(partial.stderr.includes('node_modules/swagger-ui-dist/swagger-ui-bundle.js'), partial.stderr);
  rmSync(empty, { recursive: true });
});

test('the server names a missing web root in one warning at start, and keeps serving the API', async () => {
  const server = await startChatd({ env: { WEB_ROOT: '/nonexistent/web' } });
  try {
    const warnings = server.output().split('\n').filter((l) => l.includes('[warning]'));
    assert.equal(warnings.length, 1, server.output());
    assert.match(warnings[0], /web root \/nonexistent\/web is not a folder/);
    assert.equal((await api(server, 'GET', '/')).status, 404);
    assert.equal((await api(server, 'GET', '/health')).status, 200);
  } finally {
    await server.cleanup();
  }
});

test('the binary finds its web assets next to itself when WEB_ROOT is unset', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'chatd-elsewhere-'));
  const server = await startChatd({ cwd, env: { WEB_ROOT: undefined } });
  try {
    assert.ok(!server.output().includes('[warning]'), server.output());
    assert.equal((await api(server, 'GET', '/')).status, 200);
    assert.equal((await api(server, 'GET', '/api-docs')).status, 200);
  } finally {
    await server.cleanup();
    rmSync(cwd, { recursive: true });
  }
});

test('env-file writes a commented environment file that reads back as the same settings', () => {
  const r = runChatd(['env-file'], { keep: true, env: { PORT: '4000', JWE_KEY: 'B'.repeat(43) } });
  assert.equal(r.status, 0, r.stderr);
  const assigned = r.stdout.split('\n').filter((l) => /^[A-Z]/.test(l));
  // runChatd sets DATA_DIR and DATABASE_URL; secrets (JWE_KEY, DATABASE_URL: it may hold a
  // password) are never written.
  assert.deepEqual(assigned.map((l) => l.split('=')[0]).sort(), ['DATA_DIR', 'PORT']);
  assert.ok(!r.stdout.includes('BBBB'));
  assert.ok(!r.stdout.includes(r.databaseUrl));
  assert.match(r.stdout, /secrets are not written\)\n#JWE_KEY=\n/);
  assert.match(r.stdout, /^#MAX_CONNECTIONS=50000$/m);
  assert.match(r.stdout, /^# +default: sqlite:\/\/<DATA_DIR>\/chatd\.db$/m);
  // Read back as the .env file of the working directory: the same settings.
  const dir = mkdtempSync(join(tmpdir(), 'chatd-env-'));
  writeFileSync(join(dir, '.env'), r.stdout);
  const check = runChatd(['check-config'], { dataDir: dir, env: { DATA_DIR: undefined, DATABASE_URL: undefined } });
  rmSync(dir, { recursive: true });
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /^PORT=4000$/m);
  assert.ok(check.stdout.includes(`\nDATA_DIR=${r.dataDir}\n`), check.stdout);
  rmSync(r.dataDir, { recursive: true, force: true });
  assert.match(check.stdout, /^MAX_CONNECTIONS=50000 +# default$/m);
});

test('migrate applies the migrations once and exits; the server then starts on that database', async () => {
  const first = runChatd(['migrate'], { keep: true });
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /database is up to date/);
  assert.match(first.stderr, /applied migration 001_init\.sql/);
  const again = runChatd(['migrate'], { dataDir: first.dataDir, database: first.databaseUrl });
  assert.equal(again.status, 0, again.stderr);
  assert.ok(!again.stderr.includes('applied migration'), again.stderr);
  const server = await startChatd({ dataDir: first.dataDir, database: first.databaseUrl });
  assert.ok(!server.output().includes('applied migration'), server.output());
  await server.cleanup();
  rmSync(first.dataDir, { recursive: true, force: true });
});

test('migrate reports an unreachable database in one line, exit 1', () => {
  const r = runChatd(['migrate'], { database: 'postgresql://chatd@127.0.0.1:1/chatd' });
  assert.equal(r.status, 1);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.match(r.stderr, /^chatd: DATABASE_URL: /);
});

test('--config FILE reads settings from FILE instead of ./.env; the environment still wins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chatd-config-'));
  const file = join(dir, 'chatd.env');
  writeFileSync(file, '# comment\nPORT=4100\nLOG_LEVEL="warn"\nMAX_CONNECTIONS=\n');
  writeFileSync(join(dir, '.env'), 'PORT=4200\nHOST=127.0.0.1\n');
  const r = runChatd(['--config', file, 'check-config'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^PORT=4100$/m);
  assert.match(r.stdout, /^LOG_LEVEL=warn$/m);
  assert.match(r.stdout, /^HOST=0\.0\.0\.0 +# default$/m, 'the ./.env is not read then');
  assert.match(r.stdout, /^MAX_CONNECTIONS=50000 +# default$/m);
  const wins = runChatd([`--config=${file}`, 'check-config'], { cwd: dir, env: { PORT: '4300' } });
  assert.match(wins.stdout, /^PORT=4300$/m);
  const dotenv = runChatd(['check-config'], { cwd: dir });
  assert.match(dotenv.stdout, /^PORT=4200$/m);
  const missing = runChatd(['--config', join(dir, 'nope.env'), 'check-config']);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, `chatd: --config: cannot read '${join(dir, 'nope.env')}'\n`);
  const bare = runChatd(['--config']);
  assert.equal(bare.status, 2);
  assert.ok(oneLine(bare.stderr) && bare.stderr.includes("option '--config' needs a file"), bare.stderr);
  rmSync(dir, { recursive: true });
});
