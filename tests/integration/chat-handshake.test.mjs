// Handshake authentication of the /chat namespace: the token comes from auth.token, else the
// Authorization header (raw or "Bearer …"); anything else is refused with connect_error
// "Unauthorized", on both transports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EncryptJWT, base64url } from 'jose';
import { io } from 'socket.io-client';
import { startChatd, registerAndLogin, randomKey } from '../lib/chatd.mjs';

const key = randomKey();
let server;
let alice;

before(async () => {
  server = await startChatd({ env: { JWE_KEY: key } });
  alice = await registerAndLogin(server);
});
after(async () => server?.cleanup());

// Resolves {socket} on connect or {error} on connect_error.
function attempt(options, transport = 'websocket') {
  const socket = io(server.url + '/chat', {
    forceNew: true,
    reconnection: false,
    transports: transport === 'websocket' ? ['websocket'] : ['polling', 'websocket'],
    ...options,
  });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (error) => {
      socket.close();
      resolve({ error });
    });
  });
}

async function expectRefused(options, transport) {
  const { socket, error } = await attempt(options, transport);
  socket?.close();
  assert.ok(error, 'the connection is refused');
  assert.equal(error.message, 'Unauthorized');
}

async function expectAccepted(options, transport) {
  const { socket, error } = await attempt(options, transport);
  assert.ok(socket, 'connected: ' + error?.message);
  try {
    // The socket is authenticated as alice: its public message carries her id.
    const ack = await socket.timeout(5000).emitWithAck('public_message', 'hi from ' + transport);
    assert.equal(typeof ack.id, 'number');
  } finally {
    socket.close();
  }
}

for (const transport of ['websocket', 'polling']) {
  test(`${transport}: missing, garbage, tampered and expired tokens are refused with "Unauthorized"`, async () => {
    await expectRefused({}, transport);
    await expectRefused({ auth: {} }, transport);
    await expectRefused({ auth: { token: '' } }, transport);
    await expectRefused({ auth: { token: 'garbage' } }, transport);
    await expectRefused({ auth: { token: 12345 } }, transport);
    await expectRefused({ auth: { token: 'Bearer ' } }, transport);
    const t = alice.token;
    await expectRefused({ auth: { token: t.slice(0, -4) + (t.endsWith('AAAA') ? 'BBBB' : 'AAAA') } }, transport);
    const expired = await new EncryptJWT({ username: alice.user.username, sub: alice.user.id })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt(1000)
      .setExpirationTime(2000)
      .encrypt(base64url.decode(key));
    await expectRefused({ auth: { token: expired } }, transport);
    await expectRefused({ extraHeaders: { authorization: `Bearer ${expired}` } }, transport);
    // A token made with another key.
    const foreign = await new EncryptJWT({ username: alice.user.username, sub: alice.user.id })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .encrypt(base64url.decode(randomKey()));
    await expectRefused({ auth: { token: foreign } }, transport);
    // A valid token of a user that does not exist.
    const ghost = await new EncryptJWT({ username: 'ghost', sub: 987654321 })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .encrypt(base64url.decode(key));
    await expectRefused({ auth: { token: ghost } }, transport);
    await expectRefused({ extraHeaders: { authorization: 'Bearer garbage' } }, transport);
    await expectRefused({ extraHeaders: { authorization: 'Basic dXNlcjpwYXNz' } }, transport);
  });

  test(`${transport}: auth.token (raw or "Bearer …") and the Authorization header (raw or "Bearer …") are accepted`, async () => {
    await expectAccepted({ auth: { token: alice.token } }, transport);
    await expectAccepted({ auth: { token: `Bearer ${alice.token}` } }, transport);
    await expectAccepted({ extraHeaders: { authorization: alice.token } }, transport);
    await expectAccepted({ extraHeaders: { authorization: `Bearer ${alice.token}` } }, transport);
    await expectAccepted({ extraHeaders: { authorization: `bearer ${alice.token}` } }, transport);
  });
}

test('a refused handshake does not disturb connected sockets', async () => {
  const { socket } = await attempt({ auth: { token: alice.token } });
  assert.ok(socket);
  try {
    await expectRefused({ auth: { token: 'nope' } });
    const ack = await socket.timeout(5000).emitWithAck('public_message', 'still here');
    assert.equal(typeof ack.id, 'number');
  } finally {
    socket.close();
  }
});

test('a bad auth.token is refused even when the header holds a valid one', async () => {
  // auth.token wins: a client that sends an explicit (bad) token is not silently upgraded.
  await expectRefused({ auth: { token: 'garbage' }, extraHeaders: { authorization: `Bearer ${alice.token}` } });
});
