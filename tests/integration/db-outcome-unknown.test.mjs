// A commit whose outcome chatd cannot know: the database does not answer the COMMIT within
// DB_WRITE_TIMEOUT_MS (here: a deferred trigger that makes chosen commits take 2.5 s; a frozen
// server or a lost connection at that moment look the same to chatd). The sender is told that
// the outcome is unknown, not that the message failed; the database goes on and commits it. A
// retry with the same clientMsgId then answers with the stored message (same id, nothing stored
// twice), and the message reaches the other sockets once, without waiting for another message.
// An image sent over REST keeps its file through that. PostgreSQL only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { api, database, PNG_1X1, registerAndLogin } from '../lib/chatd.mjs';
import { connect, eventsOf, storedIds, testScope, waitFor } from '../lib/chat-socket.mjs';

const skip = database === 'postgres' ? false : 'PostgreSQL only (TEST_DATABASE=postgres)';
const OUTCOME_UNKNOWN =
  'Message outcome unknown (the database did not confirm it): send it again with the same clientMsgId';
const WRITE_TIMEOUT_MS = 1000;
const COMMIT_MS = 2500;

const scope = testScope();
let server;
let a;
let b;
let sa;
let sb;

const psql = (sql) =>
  execFileSync('psql', [server.databaseUrl, '-qtA', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' }).trim();

before(async () => {
  if (skip) return;
  server = await scope.start({ DB_WRITE_TIMEOUT_MS: String(WRITE_TIMEOUT_MS) });
  a = await registerAndLogin(server);
  b = await registerAndLogin(server);
  sa = await connect(server, a.token);
  sb = await connect(server, b.token);
  scope.track(sa, sb);
});
after(() => scope.cleanup());

// Commits of messages whose text starts with "slow", and of images, take COMMIT_MS from now on.
function slowCommits() {
  psql(`CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN PERFORM pg_sleep(${COMMIT_MS / 1000}); RETURN NULL; END $$;
        CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON messages
          DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
          WHEN (NEW.content LIKE 'slow%' OR NEW.type = 'image') EXECUTE FUNCTION slow_commit()`);
}
function normalCommits() {
  psql('DROP TRIGGER slow_commit ON messages; DROP FUNCTION slow_commit()');
}

// Waits until the database has committed n rows matching `where`, then until chatd uses the
// database again (the cut-off commit made it reconnect).
async function committed(where, n = 1) {
  await waitFor(() => Number(psql(`SELECT count(*) FROM messages WHERE ${where}`)) === n, where, 10000, 50);
  await waitFor(async () => (await api(server, 'GET', '/ready')).status === 200, 'ready', 5000, 50);
}

test('a message whose commit outcome is unknown: told so, then settled by a retry with the same clientMsgId', { skip }, async () => {
  slowCommits();
  const t0 = performance.now();
  const first = await sa.timeout(10000).emitWithAck('public_message', { message: 'slow one', clientMsgId: 'k-1' });
  const ms = performance.now() - t0;
  console.log(`outcome-unknown ack after ${Math.round(ms)} ms (DB_WRITE_TIMEOUT_MS ${WRITE_TIMEOUT_MS})`);
  assert.deepEqual(first, { status: 'error', message: OUTCOME_UNKNOWN });
  assert.ok(ms < WRITE_TIMEOUT_MS + 1000, `${Math.round(ms)} ms`);
  assert.equal(eventsOf(sa, 'exception').at(-1)?.message, OUTCOME_UNKNOWN);

  // The database did commit it.
  await committed("content = 'slow one'");
  const id = Number(psql("SELECT id FROM messages WHERE content = 'slow one'"));
  normalCommits();
  // Delivered once to everyone in the room, without any other message to reveal the gap.
  const t1 = performance.now();
  await waitFor(() => storedIds(sb).includes(id), 'the committed message at B', 5000);
  console.log(`delivered to B ${Math.round(performance.now() - t1)} ms after chatd was ready again`);

  const retry = await sa.timeout(5000).emitWithAck('public_message', { message: 'slow one', clientMsgId: 'k-1' });
  assert.equal(retry.id, id, JSON.stringify(retry));
  assert.equal(typeof retry.createdAt, 'string');
  const next = await sa.timeout(5000).emitWithAck('public_message', { message: 'after', clientMsgId: 'k-2' });
  assert.equal(next.id, id + 1, 'ids stay gap-free');
  await waitFor(() => storedIds(sb).includes(next.id), 'the next message at B');
  for (const s of [sa, sb]) assert.equal(storedIds(s).filter((x) => x === id).length, 1, 'delivered once');
  assert.equal(psql("SELECT count(*) FROM messages WHERE content = 'slow one'"), '1', 'stored once');
});

test('a retry while the first attempt is still committing waits for it and is not stored twice', { skip }, async () => {
  slowCommits();
  const first = await sa.timeout(10000).emitWithAck('private_message', { recipientId: b.user.id, message: 'slow two', clientMsgId: 'k-3' });
  assert.deepEqual(first, { status: 'error', message: OUTCOME_UNKNOWN });
  // At once: the first attempt holds the message log until its commit, ~1.5 s from now; chatd
  // is reconnecting meanwhile, so the retry may be refused as unavailable: then again.
  await waitFor(async () => (await api(server, 'GET', '/ready')).status === 200, 'ready', 5000, 20);
  normalCommits();
  let retry;
  for (let i = 0; i < 20 && typeof retry?.id !== 'number'; i++) {
    retry = await sa.timeout(5000).emitWithAck('private_message', { recipientId: b.user.id, message: 'slow two', clientMsgId: 'k-3' });
    if (typeof retry?.id !== 'number') await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(typeof retry?.id, 'number', JSON.stringify(retry));
  assert.equal(psql("SELECT count(*) FROM messages WHERE content = 'slow two'"), '1', 'stored once');
  assert.equal(Number(psql("SELECT id FROM messages WHERE content = 'slow two'")), retry.id);
  await waitFor(() => storedIds(sb).includes(retry.id), 'the private message at B');
  assert.equal(storedIds(sb).filter((x) => x === retry.id).length, 1, 'delivered once');
});

test('POST /api/chat/send-image with an unknown outcome keeps its image; the retry answers with its link', { skip }, async () => {
  const uploads = join(server.dataDir, 'uploads');
  const upload = async () => {
    const form = new FormData();
    form.append('file', new Blob([PNG_1X1], { type: 'image/png' }), 'pixel.png');
    form.append('clientMsgId', 'img-k');
    const res = await fetch(server.url + '/api/chat/send-image', {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}` },
      body: form,
    });
    return { status: res.status, body: await res.json() };
  };
  const files = readdirSync(uploads).length;
  slowCommits();
  const first = await upload();
  assert.equal(first.status, 503, JSON.stringify(first.body));
  assert.equal(first.body.message, OUTCOME_UNKNOWN);
  assert.equal(readdirSync(uploads).length, files + 1, 'the image stays: the message may name it');
  await committed("type = 'image'");
  normalCommits();
  const again = await upload();
  assert.equal(again.status, 201, JSON.stringify(again.body));
  assert.equal(readdirSync(uploads).length, files + 1, 'the repeated upload is deleted');
  const image = await fetch(server.url + again.body.data);
  assert.equal(image.status, 200, `${again.body.data} is served`);
  assert.equal(psql("SELECT count(*) FROM messages WHERE type = 'image'"), '1');
});
