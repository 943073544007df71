// The /chat namespace with the official socket.io-client: three users with several devices each
// (polling-then-upgrade and websocket-only), public broadcast, private delivery, join_room,
// acks, image messages, and "stored before delivered".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startChatd, api, registerAndLogin, uploadChatImage } from '../lib/chatd.mjs';
import { connect, eventsOf, waitFor } from '../lib/chat-socket.mjs';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;


const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tag = () => randomBytes(6).toString('hex');

let server;
let alice, bob, carol; // {user, token, sockets}
let all = [];

before(async () => {
  server = await startChatd();
  [alice, bob, carol] = await Promise.all([
    registerAndLogin(server),
    registerAndLogin(server),
    registerAndLogin(server),
  ]);
  alice.sockets = await Promise.all([
    connect(server, alice.token, 'websocket'),
    connect(server, alice.token, 'upgraded'),
    connect(server, alice.token, 'websocket'),
  ]);
  bob.sockets = await Promise.all([
    connect(server, bob.token, 'upgraded'),
    connect(server, bob.token, 'websocket'),
  ]);
  carol.sockets = await Promise.all([
    connect(server, carol.token, 'websocket'),
    connect(server, carol.token, 'upgraded'),
    connect(server, carol.token, 'polling-only'),
  ]);
  for (const s of [alice.sockets[1], bob.sockets[0], carol.sockets[1]])
    assert.equal(s.io.engine.transport.name, 'websocket', 'upgraded from polling');
  all = [...alice.sockets, ...bob.sockets, ...carol.sockets];
});

after(async () => {
  for (const s of all) s.close();
  await server?.cleanup();
});

test('public_message reaches every socket once, the sender included, with compat and extra fields', async () => {
  const text = 'hello everyone ' + tag();
  const ack = await alice.sockets[0].timeout(5000).emitWithAck('public_message', text);
  assert.equal(typeof ack.id, 'number');
  assert.match(ack.createdAt, ISO);
  const match = (p) => p.message === text;
  await waitFor(() => all.every((s) => eventsOf(s, 'public_message', match).length >= 1), 'broadcast');
  await sleep(200); // a duplicate would have arrived by now
  for (const s of all) {
    const got = eventsOf(s, 'public_message', match);
    assert.equal(got.length, 1, 'exactly once per socket');
    const [p] = got;
    assert.equal(p.sender, alice.user.id); // compat
    assert.equal(p.message, text); // compat
    assert.equal(p.id, ack.id);
    assert.equal(p.senderId, alice.user.id);
    assert.equal(p.username, alice.user.username);
    assert.equal(p.createdAt, ack.createdAt);
  }
});

test('public_message also accepts {message}, and without an ack callback', async () => {
  const text = 'object form ' + tag();
  bob.sockets[1].emit('public_message', { message: text });
  const match = (p) => p.message === text;
  await waitFor(() => all.every((s) => eventsOf(s, 'public_message', match).length === 1), 'broadcast');
  assert.equal(eventsOf(carol.sockets[0], 'public_message', match)[0].sender, bob.user.id);
  assert.equal(eventsOf(bob.sockets[1], 'exception').length, 0);
});

test('private_message reaches every device of both users except the sending socket, without join_room', async () => {
  const text = 'psst ' + tag();
  const sender = alice.sockets[1];
  const ack = await sender.timeout(5000).emitWithAck('private_message', {
    recipientId: bob.user.id,
    message: text,
  });
  assert.equal(typeof ack.id, 'number');
  assert.match(ack.createdAt, ISO);
  const match = (p) => p.message === text;
  const expected = [...bob.sockets, ...alice.sockets.filter((s) => s !== sender)];
  await waitFor(() => expected.every((s) => eventsOf(s, 'private_message', match).length >= 1), 'delivery');
  await sleep(200);
  for (const s of expected) {
    const got = eventsOf(s, 'private_message', match);
    assert.equal(got.length, 1, 'exactly once per device');
    const [p] = got;
    assert.equal(p.senderId, alice.user.id); // compat
    assert.equal(p.message, text); // compat
    assert.equal(p.id, ack.id);
    assert.equal(p.recipientId, bob.user.id);
    assert.equal(p.createdAt, ack.createdAt);
  }
  assert.equal(eventsOf(sender, 'private_message', match).length, 0, 'not echoed to the sending socket');
  for (const s of carol.sockets) assert.equal(eventsOf(s, 'private_message', match).length, 0);
});

test('join_room keeps working: ack {room: "<min>_<max>"}, and pair-room members still get each message once', async () => {
  const lo = Math.min(alice.user.id, carol.user.id);
  const hi = Math.max(alice.user.id, carol.user.id);
  const a = await alice.sockets[0].timeout(5000).emitWithAck('join_room', { recipientId: carol.user.id });
  assert.deepEqual(a, { room: `${lo}_${hi}` });
  // A numeric string id works too, and the order of the pair does not matter.
  const c = await carol.sockets[0].timeout(5000).emitWithAck('join_room', { recipientId: String(alice.user.id) });
  assert.deepEqual(c, { room: `${lo}_${hi}` });

  // The sender is in the pair room and its own user room: it still does not get its message.
  const text = 'in the pair room ' + tag();
  const ack = await alice.sockets[0].timeout(5000).emitWithAck('private_message', {
    recipientId: carol.user.id,
    message: text,
  });
  const match = (p) => p.message === text;
  const expected = [...carol.sockets, alice.sockets[1], alice.sockets[2]];
  await waitFor(() => expected.every((s) => eventsOf(s, 'private_message', match).length >= 1), 'delivery');
  await sleep(200);
  for (const s of expected) assert.equal(eventsOf(s, 'private_message', match).length, 1);
  assert.equal(eventsOf(alice.sockets[0], 'private_message', match).length, 0);
  for (const s of bob.sockets) assert.equal(eventsOf(s, 'private_message', match).length, 0);
  assert.equal(eventsOf(carol.sockets[0], 'private_message', match)[0].id, ack.id);

  // The reply from the other side, from a socket that also joined the room.
  const reply = 'reply ' + tag();
  await carol.sockets[0].timeout(5000).emitWithAck('private_message', { recipientId: alice.user.id, message: reply });
  const rmatch = (p) => p.message === reply;
  const rexpected = [...alice.sockets, carol.sockets[1], carol.sockets[2]];
  await waitFor(() => rexpected.every((s) => eventsOf(s, 'private_message', rmatch).length >= 1), 'reply');
  await sleep(200);
  for (const s of rexpected) assert.equal(eventsOf(s, 'private_message', rmatch).length, 1);
  assert.equal(eventsOf(carol.sockets[0], 'private_message', rmatch).length, 0);
});

test('join_room with an unknown recipient → exception and an error ack; the socket still works', async () => {
  const s = bob.sockets[1];
  const before = eventsOf(s, 'exception').length;
  const ack = await s.timeout(5000).emitWithAck('join_room', { recipientId: 999999 });
  assert.equal(ack.status, 'error');
  assert.match(ack.message, /not found/i);
  await waitFor(() => eventsOf(s, 'exception').length === before + 1, 'exception');
  assert.deepEqual(eventsOf(s, 'exception').at(-1), ack);
  const bad = await s.timeout(5000).emitWithAck('join_room', { recipientId: 'abc' });
  assert.equal(bad.status, 'error');
  assert.match(bad.message, /recipientId/);
  const ok = await s.timeout(5000).emitWithAck('join_room', { recipientId: alice.user.id });
  assert.ok(ok.room);
});

test('a peer that receives a message finds it in the REST history at once (stored before delivered)', async () => {
  for (let i = 0; i < 20; i++) {
    const text = `stored-first ${i} ${tag()}`;
    const priv = i % 2 === 0;
    const sender = priv ? carol.sockets[2] : bob.sockets[0]; // carol's polling-only device
    const receiver = priv ? bob.sockets[1] : alice.sockets[2];
    const seen = new Promise((resolve) => {
      const handler = (p) => {
        if (p.message !== text) return;
        receiver.off(priv ? 'private_message' : 'public_message', handler);
        resolve(p);
      };
      receiver.on(priv ? 'private_message' : 'public_message', handler);
    });
    if (priv) sender.emit('private_message', { recipientId: bob.user.id, message: text });
    else sender.emit('public_message', text);
    const p = await seen;
    const res = priv
      ? await api(server, 'GET', `/api/chat/private/${carol.user.id}?perPage=5`, { token: bob.token })
      : await api(server, 'GET', '/api/chat/public?perPage=5', { token: alice.token });
    assert.equal(res.status, 200);
    const found = res.body.data.find((m) => m.id === p.id);
    assert.ok(found, `message ${p.id} is in the history when delivered`);
    assert.equal(found.content, text);
    assert.equal(found.isPublic, !priv);
  }
});

test('send_image with an issued URL: public and private image_sent with {senderId, message: url}', async () => {
  const url = await uploadChatImage(server, carol.token);
  assert.match(url, /^\/uploads\//);
  // The upload route announces its own image to everyone, all of the uploader's devices too.
  const umatch = (p) => p.message === url;
  await waitFor(() => all.every((s) => eventsOf(s, 'image_sent', umatch).length === 1), 'uploaded image');
  assert.equal(eventsOf(alice.sockets[0], 'image_sent', umatch)[0].senderId, carol.user.id);

  const pub = await alice.sockets[0].timeout(5000).emitWithAck('send_image', { imageUrl: url });
  assert.equal(typeof pub.id, 'number');
  assert.match(pub.createdAt, ISO);
  const pmatch = (p) => p.id === pub.id;
  await waitFor(() => all.every((s) => eventsOf(s, 'image_sent', pmatch).length >= 1), 'public image');
  const ev = eventsOf(bob.sockets[0], 'image_sent', pmatch)[0];
  assert.equal(ev.senderId, alice.user.id);
  assert.ok(ev.message.endsWith(url), ev.message);

  const priv = await bob.sockets[0].timeout(5000).emitWithAck('send_image', {
    recipientId: carol.user.id,
    imageUrl: server.url + url, // an absolute link to the same upload is the same image
  });
  const match = (p) => p.id === priv.id;
  const expected = [...carol.sockets, bob.sockets[1]];
  await waitFor(() => expected.every((s) => eventsOf(s, 'image_sent', match).length >= 1), 'private image');
  await sleep(200);
  for (const s of expected) assert.equal(eventsOf(s, 'image_sent', match).length, 1);
  assert.equal(eventsOf(bob.sockets[0], 'image_sent', match).length, 0);
  for (const s of alice.sockets) assert.equal(eventsOf(s, 'image_sent', match).length, 0);
  const p = eventsOf(carol.sockets[0], 'image_sent', match)[0];
  assert.equal(p.senderId, bob.user.id);
  assert.equal(p.recipientId, carol.user.id);
  assert.ok(p.message.endsWith(url));

  const hist = await api(server, 'GET', `/api/chat/private/${bob.user.id}`, { token: carol.token });
  const m = hist.body.data.find((x) => x.id === priv.id);
  assert.equal(m.type, 'image');
  assert.ok(m.blobUrl.endsWith(url));
});

test('a device that disconnects stops receiving; the others keep going', async () => {
  const extra = await connect(server, carol.token, 'upgraded');
  extra.close();
  const text = 'after a disconnect ' + tag();
  await alice.sockets[0].timeout(5000).emitWithAck('private_message', { recipientId: carol.user.id, message: text });
  const match = (p) => p.message === text;
  await waitFor(() => carol.sockets.every((s) => eventsOf(s, 'private_message', match).length === 1), 'delivery');
  assert.equal(eventsOf(extra, 'private_message', match).length, 0);
});
