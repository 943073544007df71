// Stored messages reach every socket in id order, each once, with the id as their last argument
// (the Socket.IO offset): docs/events.md, "Server → client events", and docs/architecture.md,
// "Delivery in id order". Runs on SQLite and PostgreSQL (TEST_DATABASE).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { registerAndLogin } from '../lib/chatd.mjs';
import { connect, eventsOf, sendPublic, storedIds, testScope, waitFor } from '../lib/chat-socket.mjs';

const scope = testScope();
const { start, client, track } = scope;
after(() => scope.cleanup());

test('stored-message events carry the id as a string as their last argument; other events do not', async () => {
  const server = await start();
  const a = await registerAndLogin(server);
  const b = await registerAndLogin(server);
  const sa = await client(server, a.token);
  const sb = await client(server, b.token);
  const pub = await sendPublic(sb, 'hello');
  const priv = await sb.timeout(5000).emitWithAck('private_message', { recipientId: a.user.id, message: 'psst' });
  await waitFor(() => storedIds(sa).length === 2, 'both messages at A');
  assert.deepEqual(storedIds(sa), [pub.id, priv.id]);
  // Events that are not stored carry no offset.
  await sa.timeout(5000).emitWithAck('mark_read', { peerId: b.user.id, lastMessageId: priv.id });
  await waitFor(() => eventsOf(sb, 'read').length === 1, 'read receipt');
  const read = sb.received.find((r) => r.event === 'read');
  assert.equal(read.args.length, 1);
});

test('ordering race: many concurrent senders, every receiver sees its ids once, strictly increasing', async () => {
  const server = await start();
  const users = await Promise.all(Array.from({ length: 11 }, () => registerAndLogin(server)));
  const receivers = await Promise.all(users.slice(0, 3).map((u) => connect(server, u.token)));
  const senders = await Promise.all(users.slice(3).map((u) => connect(server, u.token)));
  track(...receivers, ...senders);
  const perSender = 60;
  // Every sender keeps 8 messages in flight; one in four is private to one of the receivers.
  const sent = (
    await Promise.all(
      senders.map(async (s, i) => {
        const mine = [];
        for (let n = 0; n < perSender; n += 8) {
          const batch = [];
          for (let k = n; k < Math.min(n + 8, perSender); k++) {
            const to = k % 4 === 0 ? k % 3 : null;
            const emit = to === null
              ? s.timeout(10000).emitWithAck('public_message', `s${i} ${k}`)
              : s.timeout(10000).emitWithAck('private_message', { recipientId: users[to].user.id, message: `s${i} ${k}` });
            batch.push(emit.then((ack) => ({ id: ack.id, to })));
          }
          mine.push(...(await Promise.all(batch)));
        }
        return mine;
      }),
    )
  ).flat();
  assert.ok(sent.every((m) => typeof m.id === 'number'));
  for (const [i, r] of receivers.entries()) {
    const expected = sent.filter((m) => m.to === null || m.to === i).map((m) => m.id).sort((x, y) => x - y);
    await waitFor(() => storedIds(r).length >= expected.length, `receiver ${i}: ${expected.length} messages`, 15000);
    assert.deepEqual(storedIds(r), expected, `receiver ${i}: every id once, in increasing order`);
  }
});
