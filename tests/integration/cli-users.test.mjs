// `chatd user create|set-password|disable|enable|delete` against the database of a running
// chatd (both databases: the integration suite runs once per TEST_DATABASE): what each does to
// logins, refresh tokens, bearer tokens and live sockets, what delete takes with it, and the one
// line and exit status of every refusal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runChatd, startChatd, api, registerAndLogin, uniqueUser, uploadChatImage, uploadAvatar } from '../lib/chatd.mjs';
import { connect, eventsOf, waitFor } from '../lib/chat-socket.mjs';

// The server reads revocations made elsewhere this often; sockets end within it.
const POLL_MS = 200;
let server;
before(async () => {
  server = await startChatd({ env: { REVOCATION_POLL_MS: String(POLL_MS) } });
});
after(async () => server?.cleanup());

// `chatd user ...` on the server's database; input is standard input (the password).
const user = (args, input = '') =>
  runChatd(['user', ...args], { dataDir: server.dataDir, database: server.databaseUrl, input });
const login = (email, password) => api(server, 'POST', '/api/auth/login', { body: { email, password } });
const refresh = (token) => api(server, 'POST', '/api/auth/refresh', { body: { refresh_token: token } });
const profile = (token) => api(server, 'GET', '/api/profile', { token });

function oneLine(text) {
  return text.trim().split('\n').length === 1;
}

// Asserts a refused command: its exit status and one stderr line starting with `line`.
function assertRefused(r, status, line) {
  assert.equal(r.status, status, r.stderr);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.ok(r.stderr.startsWith(`chatd: ${line}`), r.stderr);
  assert.equal(r.stdout, '');
}

// Resolves with {reason, at, exception} once the server ends the socket.
function ended(socket) {
  return new Promise((resolve) => {
    socket.once('disconnect', (reason) =>
      resolve({ reason, at: Date.now(), exception: eventsOf(socket, 'exception').at(-1) }),
    );
  });
}

async function assertEndedSoon(end, since) {
  const e = await Promise.race([
    end,
    new Promise((_, reject) => setTimeout(() => reject(new Error('socket not ended')), 5000)),
  ]);
  assert.equal(e.reason, 'io server disconnect');
  assert.deepEqual(e.exception, { status: 'error', message: 'Token revoked' });
  // The feed's interval, plus the command's own start-up and the test's scheduling.
  assert.ok(e.at - since <= POLL_MS + 1500, `ended ${e.at - since} ms after`);
}

// A user with two sessions (one with a live socket) and the refresh token of the other.
async function withSessions() {
  const u = await registerAndLogin(server);
  const second = (await login(u.credentials.email, u.credentials.password)).body;
  const socket = await connect(server, u.token);
  return { ...u, socket, end: ended(socket), refreshToken: second.refresh_token, token2: second.access_token };
}

test('user create: the user logs in with the password read from standard input', async () => {
  const c = uniqueUser('cli');
  const r = user(['create', '--email', c.email.toUpperCase(), '--username', c.username, '--full-name', 'Cli User'], `${c.password}\n`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^created user '${c.username}' <${c.email}> \\(id \\d+\\)\\n$`));
  const res = await login(c.email, c.password);
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.user.username, c.username);
  assert.equal(res.body.user.profile.full_name, 'Cli User');

  assertRefused(user(['create', '--email', c.email, '--username', 'someone-else'], 'a good password\n'), 4,
    `user create: email '${c.email}' is taken by another user`);
  assertRefused(user(['create', '--email', `x${c.email}`, `--username=${c.username}`], 'a good password\n'), 4,
    `user create: username '${c.username}' is taken by another user`);
});

test('user create refuses what registration refuses, in one line, exit 2', () => {
  assertRefused(user(['create', '--email', 'not-an-email', '--username', 'u1'], 'a good password\n'), 2,
    'user create: email must be an email');
  assertRefused(user(['create', '--email', 'short@example.com', '--username', 'u2'], 'short\n'), 2,
    'user create: password must be longer than or equal to 8 characters');
  const both = user(['create', '--email', 'bad', '--username', 'x'.repeat(51)], 'short\n');
  assertRefused(both, 2, 'user create: email must be an email; password must be longer');
  assert.match(both.stderr, /username must be shorter than or equal to 50 characters/);
  assertRefused(user(['create', '--email', 'nopass@example.com', '--username', 'u3']), 2,
    'user create: the new password is read from standard input, which is empty');
});

test('a wrong user command line exits 2 naming the argument, before opening the database', () => {
  for (const [args, line] of [
    [[], 'user: expected create, set-password, disable, enable or delete'],
    [['frobnicate'], "user: unknown action 'frobnicate'"],
    [['create', '--username', 'u'], 'user create: --email is required'],
    [['create', '--email', 'a@b.co'], 'user create: --username is required'],
    [['create', '--email', 'a@b.co', '--username', 'u', 'extra'], "user create: unexpected argument 'extra'"],
    [['create', '--email', 'a@b.co', '--username', 'u', '--age', '3'], "user create: unknown option '--age'"],
    [['create', '--email'], "user create: option '--email' needs a value"],
    [['disable'], 'user disable: name the user (email or username)'],
    [['enable', 'a', 'b'], "user enable: unexpected argument 'b'"],
    [['set-password', '--yes', 'a'], "user set-password: unknown option '--yes'"],
    [['delete', 'a'], "user delete: deleting 'a' also deletes their messages and cannot be undone; add --yes"],
  ]) {
    const r = runChatd(['user', ...args], { database: 'sqlite', keep: true });
    assertRefused(r, 2, line);
    assert.ok(!existsSync(join(r.dataDir, 'chatd.db')), `${args.join(' ')} opened the database`);
  }
});

test('an unknown user is exit 3, in one line', () => {
  for (const action of ['disable', 'enable', 'set-password']) {
    assertRefused(user([action, 'nobody@example.com'], 'a good password\n'), 3,
      `user ${action}: no user has the email or username 'nobody@example.com'`);
  }
  assertRefused(user(['delete', 'nobody', '--yes']), 3, "user delete: no user has the email or username 'nobody'");
});

test('user disable: sockets end, tokens and refresh tokens are refused, login says so; enable undoes it', async () => {
  const u = await withSessions();
  const { email, password } = u.credentials;
  const t0 = Date.now();
  const r = user(['disable', email]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `disabled '${u.user.username}' <${email}> (id ${u.user.id}); ended 2 sessions\n`);
  await assertEndedSoon(u.end, t0);
  for (const t of [u.token, u.token2]) assert.equal((await profile(t)).status, 401);
  assert.equal((await refresh(u.refreshToken)).status, 401);
  const refused = await login(email, password);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.message, 'Account disabled');
  // A wrong password learns nothing about the account.
  assert.equal((await login(email, 'not the password')).status, 401);
  await assert.rejects(connect(server, u.token), /Unauthorized/);

  // By username too; disabling twice is no error.
  assert.equal(user(['disable', u.user.username]).status, 0);
  const back = user(['enable', u.user.username]);
  assert.equal(back.status, 0, back.stderr);
  assert.equal(back.stdout, `enabled '${u.user.username}' <${email}> (id ${u.user.id})\n`);
  const again = await login(email, password);
  assert.equal(again.status, 201, again.text);
  // The sessions ended stay ended.
  assert.equal((await profile(u.token)).status, 401);
  const s = await connect(server, again.body.access_token);
  s.close();
});

test('user set-password: every session ends, the new password works, the old one does not', async () => {
  const u = await withSessions();
  const { email, password } = u.credentials;
  assertRefused(user(['set-password', email], 'short\n'), 2,
    'user set-password: password must be longer than or equal to 8 characters');
  assert.ok(u.socket.connected);
  const t0 = Date.now();
  const r = user(['set-password', email], 'the admin chose this\n');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `set the password of '${u.user.username}' <${email}> (id ${u.user.id}); ended 2 sessions\n`);
  await assertEndedSoon(u.end, t0);
  assert.equal((await profile(u.token)).status, 401);
  assert.equal((await refresh(u.refreshToken)).status, 401);
  assert.equal((await login(email, password)).status, 401);
  assert.equal((await login(email, 'the admin chose this')).status, 201);
});

const uploadFile = (url) => join(server.dataDir, 'uploads', url.slice('/uploads/'.length));

test('user delete: a group they owned gets a new owner, one only they were in is deleted', async () => {
  const u = await registerAndLogin(server);
  const bob = await registerAndLogin(server);
  const group = (body) => api(server, 'POST', '/api/groups', { token: u.token, body });
  const shared = await group({ name: 'shared', memberIds: [bob.user.id] });
  const alone = await group({ name: 'alone', memberIds: [] });
  assert.equal(shared.status, 201, shared.text);
  assert.equal(alone.status, 201, alone.text);

  const r = user(['delete', u.credentials.email, '--yes']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout,
    `deleted '${u.user.username}' <${u.credentials.email}> (id ${u.user.id}) with 0 messages and 0 images; ended 1 session; handed 1 group to a new owner; deleted 1 group nobody else was in\n`);
  const read = await api(server, 'GET', `/api/groups/${shared.body.data.id}`, { token: bob.token });
  assert.equal(read.status, 200, read.text);
  assert.equal(read.body.data.ownerId, bob.user.id);
  assert.equal(read.body.data.memberCount, 1);
  // bob, now the owner, manages the group: he renames it.
  const renamed = await api(server, 'PATCH', `/api/groups/${shared.body.data.id}`, { token: bob.token, body: { name: 'kept' } });
  assert.equal(renamed.status, 200, renamed.text);
  const listed = await api(server, 'GET', '/api/groups', { token: bob.token });
  assert.deepEqual(listed.body.data.map((g) => g.id), [shared.body.data.id]);
});

test('user delete: sockets end; the user, their messages, conversations and images are gone', async () => {
  const u = await withSessions();
  const bob = await registerAndLogin(server);
  const bobSocket = await connect(server, bob.token);
  const avatar = await uploadAvatar(server, u.token);
  const image = await uploadChatImage(server, u.token);
  const pub = await u.socket.timeout(5000).emitWithAck('public_message', 'from the deleted user');
  const mine = await u.socket.timeout(5000).emitWithAck('private_message', { recipientId: bob.user.id, message: 'to bob' });
  const theirs = await bobSocket.timeout(5000).emitWithAck('private_message', { recipientId: u.user.id, message: 'to them' });
  const kept = await bobSocket.timeout(5000).emitWithAck('public_message', 'bob stays');
  for (const ack of [pub, mine, theirs, kept]) assert.equal(typeof ack.id, 'number', JSON.stringify(ack));
  for (const url of [avatar, image]) assert.ok(existsSync(uploadFile(url)), url);

  const t0 = Date.now();
  const r = user(['delete', u.credentials.email, '--yes']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout,
    `deleted '${u.user.username}' <${u.credentials.email}> (id ${u.user.id}) with 4 messages and 2 images; ended 2 sessions\n`);
  await assertEndedSoon(u.end, t0);
  assert.ok(bobSocket.connected);

  assert.equal((await api(server, 'GET', `/api/users/${u.user.id}`, { token: bob.token })).status, 404);
  assert.equal((await profile(u.token)).status, 401);
  assert.equal((await login(u.credentials.email, u.credentials.password)).status, 401);
  const history = await api(server, 'GET', '/api/chat/public?perPage=100', { token: bob.token });
  const ids = history.body.data.map((m) => m.id);
  assert.ok(ids.includes(kept.id));
  assert.ok(!ids.includes(pub.id));
  const convs = await api(server, 'GET', '/api/chat/conversations', { token: bob.token });
  assert.equal(convs.status, 200);
  assert.ok(!convs.body.data.some((c) => c.peer.id === u.user.id), convs.text);
  for (const url of [avatar, image]) assert.ok(!existsSync(uploadFile(url)), `${url} is deleted`);

  // Once the server has read the deletion, a message to the deleted user is refused as to any
  // unknown user, and bob's own messages are stored as before.
  await waitFor(async () => {
    const ack = await bobSocket.timeout(5000).emitWithAck('private_message', { recipientId: u.user.id, message: 'anyone?' });
    return ack.status === 'error' && /recipient not found/.test(ack.message);
  }, 'recipient not found', 5000, 100);
  const after = await bobSocket.timeout(5000).emitWithAck('public_message', 'still here');
  assert.equal(typeof after.id, 'number', JSON.stringify(after));
  bobSocket.close();

  assertRefused(user(['delete', u.credentials.email, '--yes']), 3,
    `user delete: no user has the email or username '${u.credentials.email}'`);
});
