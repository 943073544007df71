// Idempotent sends: a clientMsgId (1-64 characters, per sender) on public_message,
// private_message, send_image and POST /api/chat/send-image; a repeat gets the first ack and
// stores and delivers nothing (docs/events.md). Runs on SQLite and PostgreSQL (TEST_DATABASE).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { api, PNG_1X1, registerAndLogin } from '../lib/chatd.mjs';
import { eventsOf, sendPublic, storedIds, testScope, waitFor } from '../lib/chat-socket.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const scope = testScope();
const { start, client, track } = scope;
after(() => scope.cleanup());

test('clientMsgId: a repeat gets the first ack, is stored once and delivered once', async () => {
  const server = await start();
  const a = await registerAndLogin(server);
  const b = await registerAndLogin(server);
  const sa = await client(server, a.token);
  const sb = await client(server, b.token);
  const key = 'k-' + Date.now();
  const first = await sendPublic(sb, 'once', { clientMsgId: key });
  const again = await sendPublic(sb, 'once, sent again', { clientMsgId: key });
  assert.deepEqual(again, first, 'the same ack {id, createdAt}');
  // The same key at once, twice in flight.
  const [p1, p2] = await Promise.all([
    sb.timeout(5000).emitWithAck('private_message', { recipientId: a.user.id, message: 'twice', clientMsgId: key + 'p' }),
    sb.timeout(5000).emitWithAck('private_message', { recipientId: a.user.id, message: 'twice', clientMsgId: key + 'p' }),
  ]);
  assert.deepEqual(p1, p2);
  // Another sender may use the same key: keys are per sender.
  const other = await sendPublic(sa, 'mine', { clientMsgId: key });
  assert.notEqual(other.id, first.id);
  const marker = await sendPublic(sb, 'marker');
  await waitFor(() => storedIds(sa).includes(marker.id), 'marker at A');
  await sleep(200);
  const ids = storedIds(sa);
  assert.equal(ids.filter((id) => id === first.id).length, 1, 'delivered once');
  assert.equal(ids.filter((id) => id === p1.id).length, 1, 'private delivered once');
  const history = await api(server, 'GET', '/api/chat/public?perPage=50', { token: a.token });
  assert.equal(history.status, 200);
  assert.equal(history.body.data.filter((m) => m.content.startsWith('once')).length, 1, 'stored once');
  // Ids stay gap-free: the repeat used none.
  assert.equal(marker.id, other.id + 1);
});

test('POST /api/chat/send-image with a clientMsgId: a repeat stores nothing and answers with the first image', async () => {
  const server = await start();
  const a = await registerAndLogin(server);
  const b = await registerAndLogin(server);
  const sb = await client(server, b.token);
  const upload = async (fields) => {
    const form = new FormData();
    form.append('file', new Blob([PNG_1X1], { type: 'image/png' }), 'pixel.png');
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    const res = await fetch(server.url + '/api/chat/send-image', {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}` },
      body: form,
    });
    return { status: res.status, body: await res.json() };
  };
  const uploads = join(server.dataDir, 'uploads');
  const first = await upload({ clientMsgId: 'img-1', recipientId: String(b.user.id) });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const files = readdirSync(uploads).length;
  const again = await upload({ clientMsgId: 'img-1', recipientId: String(b.user.id) });
  assert.equal(again.status, 201, JSON.stringify(again.body));
  assert.equal(again.body.data, first.body.data, 'the first image link');
  assert.equal(readdirSync(uploads).length, files, 'the repeated upload is deleted');
  const marker = (await sendPublic(sb, 'marker')).id;
  await waitFor(() => storedIds(sb).includes(marker), 'marker');
  assert.equal(eventsOf(sb, 'image_sent').length, 1, 'image_sent once');
  const bad = await upload({ clientMsgId: 'x'.repeat(65) });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.message, 'clientMsgId must be a string of at most 64 characters');
  assert.equal(readdirSync(uploads).length, files, 'a refused upload leaves nothing');
});

test('clientMsgId must be a string of 1 to 64 characters', async () => {
  const server = await start();
  const a = await registerAndLogin(server);
  const b = await registerAndLogin(server);
  const s = await client(server, a.token);
  const message = 'clientMsgId must be a string of at most 64 characters';
  for (const bad of ['', 'x'.repeat(65), 42, { id: 1 }, ['a']]) {
    for (const [event, payload] of [
      ['public_message', { message: 'hi', clientMsgId: bad }],
      ['private_message', { recipientId: b.user.id, message: 'hi', clientMsgId: bad }],
    ]) {
      const ack = await s.timeout(5000).emitWithAck(event, payload);
      assert.deepEqual(ack, { status: 'error', message }, `${event} with ${JSON.stringify(bad)}`);
    }
  }
  // 64 characters (not bytes) is fine, and so is null (no key).
  const ok = await sendPublic(s, 'long key', { clientMsgId: 'é'.repeat(64) });
  assert.equal(typeof ok.id, 'number');
  assert.equal(typeof (await sendPublic(s, 'no key', { clientMsgId: null })).id, 'number');
});

