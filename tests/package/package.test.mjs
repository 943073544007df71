// The Debian package and the install layout, without touching the machine: scripts/package.sh
// packages the test build (build/test, no second compile), the package is extracted into a
// temporary folder with dpkg-deb -x, and the chatd in it runs from an unrelated working
// directory through the web client, Swagger UI, the Socket.IO client bundle, a login and a
// message over Socket.IO. Also: its control data (runtime dependencies found by dpkg-shlibdeps,
// the conffile), the systemd unit (systemd-analyze verify when the machine has it), the
// generated /etc/chatd/chatd.env, and `cmake --install --prefix`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { startChatd, api, registerAndLogin, runChatd } from '../lib/chatd.mjs';
import { connect, waitFor, eventsOf } from '../lib/chat-socket.mjs';

const root = new URL('../../', import.meta.url).pathname;
// The build tree of the chatd under test (build/test/src/chatd -> build/test).
const buildDir = process.env.CHATD_BIN ? dirname(dirname(process.env.CHATD_BIN)) : join(root, 'build/test');
const version = readFileSync(join(root, 'CMakeLists.txt'), 'utf8').match(/VERSION (\d+\.\d+\.\d+)/)[1];

let deb;
let tree; // the extracted package
const scratch = mkdtempSync(join(tmpdir(), 'chatd-package-'));

function run(cmd, args, options = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

before(() => {
  const out = run(join(root, 'scripts/package.sh'), [buildDir, 'RelWithDebInfo'], { cwd: root, timeout: 600000 });
  deb = out.trim().split('\n').pop();
  tree = join(scratch, 'root');
  run('dpkg-deb', ['-x', deb, tree]);
});
after(() => rmSync(scratch, { recursive: true, force: true }));

test('the package is chatd_<version>_amd64.deb with its control data', () => {
  assert.ok(deb.endsWith(`/chatd_${version}_amd64.deb`), deb);
  const field = (name) => run('dpkg-deb', ['-f', deb, name]).trim();
  assert.equal(field('Package'), 'chatd');
  assert.equal(field('Version'), version);
  assert.equal(field('Architecture'), 'amd64');
  assert.equal(run('dpkg-deb', ['--ctrl-tarfile', deb]).length > 0, true);
  const control = join(scratch, 'control');
  run('dpkg-deb', ['-e', deb, control]);
  assert.equal(readFileSync(join(control, 'conffiles'), 'utf8'), '/etc/chatd/chatd.env\n');
  for (const script of ['postinst', 'prerm', 'postrm']) {
    assert.ok(statSync(join(control, script)).mode & 0o100, `${script} is executable`);
    run('sh', ['-n', join(control, script)]);
  }
});

// The package owning a library file, and the virtual packages it provides (libspdlog1.10 provides
// libspdlog1.10-fmt9, the name its shlibs file gives dpkg-shlibdeps).
function owner(lib) {
  // Through the merged /usr a library may be known under /lib or /usr/lib.
  for (const path of [lib, lib.startsWith('/usr/') ? lib.slice(4) : '/usr' + lib]) {
    const r = spawnSync('dpkg', ['-S', path], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const pkg = r.stdout.split(':')[0];
    const provides = spawnSync('dpkg-query', ['-W', '-f=${Provides}', pkg], { encoding: 'utf8' }).stdout;
    return [pkg, ...provides.split(',').map((p) => p.trim().split(' ')[0]).filter(Boolean)];
  }
  return [];
}

// Every library the binary links against directly belongs to a Debian package named in Depends
// (what those need in turn, their own packages depend on).
test('Depends names the package of every shared library chatd links against', () => {
  const bin = join(tree, 'usr/bin/chatd');
  const depends = run('dpkg-deb', ['-f', deb, 'Depends'])
    .split(',')
    .map((d) => d.trim().split(/[ (]/)[0]);
  const needed = [...run('readelf', ['-d', '-W', bin]).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const paths = new Map();
  for (const m of run('ldd', [bin]).matchAll(/^\s*(\S+) => (\/\S+)/gm)) paths.set(m[1], m[2]);
  assert.ok(needed.length >= 10, needed.join(' '));
  const missing = [];
  for (const soname of needed) {
    const path = paths.get(soname);
    const names = path ? owner(path) : [];
    if (!names.some((n) => depends.includes(n))) missing.push(`${soname} (${names.join('/') || 'not found'})`);
  }
  assert.deepEqual(missing, [], `Depends: ${depends.join(', ')}`);
  for (const pkg of ['libsodium23', 'libsqlite3-0', 'libhiredis0.14', 'libssl3']) assert.ok(depends.includes(pkg), pkg);
});

test('the binary is stripped and the web assets are in share/chatd/web', () => {
  const bin = join(tree, 'usr/bin/chatd');
  const sections = run('readelf', ['-S', '-W', bin]);
  assert.ok(!sections.includes('.debug_info'), 'debug info left in the packaged binary');
  assert.ok(statSync(bin).size < 30 * 1024 * 1024, `${statSync(bin).size} bytes`);
  const web = join(tree, 'usr/share/chatd/web');
  for (const f of [
    'index.html',
    'app/main.js',
    'api-docs.html',
    'api-docs-init.js',
    'node_modules/swagger-ui-dist/swagger-ui-bundle.js',
    'node_modules/swagger-ui-dist/swagger-ui.css',
    'node_modules/swagger-ui-dist/LICENSE',
    'node_modules/socket.io-client/dist/socket.io.js',
    'node_modules/socket.io-client/dist/socket.io.min.js',
    'node_modules/socket.io-client/dist/socket.io.esm.min.js',
    'node_modules/socket.io-client/dist/socket.io.min.js.map',
    'node_modules/socket.io-client/LICENSE',
  ])
    assert.ok(existsSync(join(web, f)), f);
});

test('the installed chatd serves the web client, Swagger UI, the client bundle, a login and a message', async () => {
  const elsewhere = mkdtempSync(join(scratch, 'cwd-'));
  const server = await startChatd({
    bin: join(tree, 'usr/bin/chatd'),
    cwd: elsewhere,
    dataDir: mkdtempSync(join(scratch, 'data-')),
    env: { WEB_ROOT: undefined },
  });
  try {
    assert.ok(!server.output().includes('[warning]'), server.output());
    const page = await api(server, 'GET', '/');
    assert.equal(page.status, 200);
    assert.match(page.text, /<script type="module" src="\/app\/main\.js">/);
    assert.equal((await api(server, 'GET', '/app/main.js')).status, 200);
    const docs = await api(server, 'GET', '/api-docs');
    assert.equal(docs.status, 200);
    assert.match(docs.text, /swagger-ui-bundle\.js/);
    assert.equal((await api(server, 'GET', '/api-docs/swagger-ui-bundle.js')).status, 200);
    assert.equal((await api(server, 'GET', '/api-docs/init.js')).status, 200);
    assert.equal((await api(server, 'GET', '/api-docs-json')).status, 200);
    // The Socket.IO client bundle where this chatd serves it, the same bytes as the lockfile's.
    let bundle = await api(server, 'GET', '/socket.io/socket.io.js');
    if (bundle.status !== 200) bundle = await api(server, 'GET', '/vendor/socket.io/socket.io.js');
    assert.equal(bundle.status, 200);
    assert.equal(bundle.text, readFileSync(join(root, 'web/node_modules/socket.io-client/dist/socket.io.js'), 'utf8'));

    const alice = await registerAndLogin(server);
    const bob = await registerAndLogin(server);
    const a = await connect(server, alice.token);
    const b = await connect(server, bob.token);
    const ack = await a.timeout(5000).emitWithAck('public_message', 'hello from the package');
    assert.ok(ack.id > 0, JSON.stringify(ack));
    const heard = await waitFor(() => eventsOf(b, 'public_message', (m) => m.id === ack.id)[0], 'bob hears it');
    assert.equal(heard.message, 'hello from the package');
    a.close();
    b.close();
    assert.equal(await server.stop(), 0, 'a graceful stop exits 0');
  } finally {
    await server.cleanup();
  }
});

test('the systemd unit: dynamic user, state directory, environment file, graceful stop, hardening', (t) => {
  const unit = readFileSync(join(tree, 'usr/lib/systemd/system/chatd.service'), 'utf8');
  const settings = new Map();
  for (const line of unit.split('\n')) {
    const m = line.match(/^(\w+)=(.*)$/);
    if (m) settings.set(m[1], [...(settings.get(m[1]) ?? []), m[2]]);
  }
  const one = (k) => settings.get(k)?.at(-1);
  assert.equal(one('ExecStart'), '/usr/bin/chatd');
  assert.equal(one('DynamicUser'), 'yes');
  assert.equal(one('StateDirectory'), 'chatd');
  assert.equal(one('EnvironmentFile'), '/etc/chatd/chatd.env');
  assert.ok(settings.get('Environment').includes('DATA_DIR=/var/lib/chatd'));
  assert.equal(one('KillSignal'), 'SIGTERM');
  assert.ok(Number(one('TimeoutStopSec')) > 10, 'longer than chatd drains (10 s)');
  for (const k of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'PrivateDevices']) assert.equal(one(k), 'yes', k);
  assert.equal(one('ProtectSystem'), 'strict');
  // Room for MAX_CONNECTIONS at its default, plus database connections, files and listeners.
  const help = runChatd(['--help'], { bin: join(tree, 'usr/bin/chatd') }).stdout;
  const maxConnections = Number(help.match(/^ {2}MAX_CONNECTIONS=(\d+)/m)[1]);
  assert.ok(Number(one('LimitNOFILE')) >= maxConnections + 1000, `LimitNOFILE=${one('LimitNOFILE')}`);

  if (!has('systemd-analyze')) {
    t.skip('systemd-analyze is not installed: the unit was not verified');
    return;
  }
  // verify checks that ExecStart exists: point it at the extracted binary.
  const copy = join(scratch, 'chatd.service');
  execFileSync('sh', ['-c', `sed 's|^ExecStart=/usr/bin/chatd|ExecStart=${tree}/usr/bin/chatd|' "$0" > "$1"`,
    join(tree, 'usr/lib/systemd/system/chatd.service'), copy]);
  const verify = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stderr);
  assert.equal(verify.stderr.trim(), '', 'no warnings (an unknown or misspelt key is one)');
  const security = spawnSync('systemd-analyze', ['security', '--offline=yes', copy], { encoding: 'utf8' });
  const exposure = Number(security.stdout.match(/Overall exposure level for \S+: ([\d.]+)/)?.[1]);
  assert.ok(exposure <= 2.5, `systemd-analyze security: exposure ${exposure}\n${security.stdout.slice(-400)}`);
});

test('/etc/chatd/chatd.env lists every setting, sets DATA_DIR only, and is root-only', () => {
  const file = join(tree, 'etc/chatd/chatd.env');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  const assigned = text.split('\n').filter((l) => /^[A-Z]/.test(l));
  assert.deepEqual(assigned, ['DATA_DIR=/var/lib/chatd']);
  const help = runChatd(['--help'], { bin: join(tree, 'usr/bin/chatd') }).stdout;
  const names = [...help.matchAll(/^ {2}([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
  assert.ok(names.length >= 40);
  for (const name of names) assert.match(text, new RegExp(`^#?${name}=`, 'm'), name);
  // The admin commands read it with --config; the environment still wins.
  const check = runChatd(['--config', file, 'check-config'], {
    bin: join(tree, 'usr/bin/chatd'),
    env: { DATA_DIR: undefined, DATABASE_URL: undefined },
  });
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /^DATA_DIR=\/var\/lib\/chatd$/m);
  assert.match(check.stdout, /^DATABASE_URL=sqlite:\/\/\/var\/lib\/chatd\/chatd\.db +# default$/m);
  assert.match(check.stdout, new RegExp(`^WEB_ROOT=${tree}/usr/share/chatd/web +# default$`, 'm'));
});

test('cmake --install --prefix P installs bin/chatd and share/chatd/web, and the tree can move', () => {
  const prefix = join(scratch, 'prefix');
  run('cmake', ['--install', buildDir, '--prefix', prefix]);
  assert.ok(existsSync(join(prefix, 'bin/chatd')));
  assert.ok(existsSync(join(prefix, 'share/chatd/web/index.html')));
  // The unit and /etc/chatd belong to the package only.
  assert.ok(!existsSync(join(prefix, 'lib/systemd')));
  assert.ok(!existsSync(join(prefix, 'etc')));
  const moved = join(scratch, 'moved');
  renameSync(prefix, moved);
  const check = runChatd(['check-config'], { bin: join(moved, 'bin/chatd'), cwd: scratch });
  assert.equal(check.status, 0, check.stderr);
  assert.equal(check.stderr, '', 'no web root warning');
  assert.match(check.stdout, new RegExp(`^WEB_ROOT=${moved}/share/chatd/web +# default$`, 'm'));
});
