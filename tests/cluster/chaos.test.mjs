// Chaos (issue 14, "Nothing lost"): three nodes on one PostgreSQL database and a real Redis,
// official socket.io-client sockets with recovery on (reconnection, as an app has it) sending
// public and private messages and images with a clientMsgId, while transports are cut at random
// (a clean close, or a TCP reset), the clients' reconnections land on a random live node (a load
// balancer), a node is SIGKILLed and restarted, and Redis is killed and restarted. Half the
// clients resend unacknowledged messages themselves, the other half with the client's own
// `retries` option. At the end, for every client and every room it was in (public_room, its user
// room, the pair rooms it joined), the ids it received equal the ids stored in that room since
// it first connected, in order, each once, and every send was stored once and acked with that
// message. It prints those counts.
//
// CHATD_CHAOS_SECONDS sets how long the traffic lasts (60 by default; scripts/test.sh runs the
// default), CHATD_CHAOS_CLIENTS the number of clients (12).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { io } from 'socket.io-client';
import { PNG_1X1, registerAndLogin } from '../lib/chatd.mjs';
import { startCluster, sleep, until, ready } from '../lib/cluster.mjs';

const SECONDS = Number(process.env.CHATD_CHAOS_SECONDS ?? 60);
const CLIENTS = Number(process.env.CHATD_CHAOS_CLIENTS ?? 12);
const STORED = ['public_message', 'private_message', 'image_sent'];

let cluster;
const clients = [];
const down = new Set(); // indexes of nodes that are killed right now
const random = (n) => Math.floor(Math.random() * n);
const pick = (list) => list[random(list.length)];

before(async () => {
  cluster = await startCluster({
    nodes: 3,
    // Short heartbeats so that dead transports are noticed on both sides within a second or two.
    env: { MESSAGE_RATE_PER_SECOND: '0', PING_INTERVAL_MS: '1000', PING_TIMEOUT_MS: '1500' },
    name: import.meta.filename,
  });
});

after(async () => {
  for (const c of clients) c.socket.close();
  await cluster?.cleanup();
});

// The rows of the message table, for what was stored where.
function storedMessages() {
  const out = execFileSync('psql', [cluster.databaseUrl, '-At', '-F', '\t', '-c',
    'SELECT id, sender_id, coalesce(recipient_id, 0), is_public, coalesce(client_msg_id, \'\') FROM messages ORDER BY id'],
  { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map((line) => {
    const [id, sender, recipient, isPublic, clientMsgId] = line.split('\t');
    return { id: Number(id), sender: Number(sender), recipient: Number(recipient), isPublic: isPublic === 't', clientMsgId };
  });
}

// A user with a profile image (its link is what send_image sends) and a socket as an app makes
// it: reconnection on, a short delay; each reconnection goes to a random live node.
async function makeClient(i) {
  const home = cluster.nodes[i % 3];
  const who = await registerAndLogin(home);
  const form = new FormData();
  form.append('file', new Blob([PNG_1X1], { type: 'image/png' }), 'me.png');
  const res = await fetch(home.url + '/api/profile/update-image', {
    method: 'POST', headers: { authorization: `Bearer ${who.token}` }, body: form,
  });
  const profile = await res.json();
  assert.equal(res.status, 200, JSON.stringify(profile));
  const official = i % 2 === 1; // resends with the client's `retries` option
  const socket = io(home.url + '/chat', {
    forceNew: true,
    transports: i % 4 === 3 ? ['polling', 'websocket'] : ['websocket'],
    auth: { token: who.token },
    reconnectionDelay: 200,
    reconnectionDelayMax: 1000,
    ...(official ? { retries: 1000, ackTimeout: 4000 } : {}),
  });
  const client = {
    index: i, user: who.user, token: who.token, socket, official, home,
    image: profile.data.profile.profile_image,
    received: [], // ids of stored-message events, in arrival order
    badOffsets: 0, // stored-message events whose last argument is not their id
    connects: 0, recovered: 0, notRecovered: 0,
    pairs: new Set(), // peers whose pair room it joined
    sends: new Map(), // clientMsgId -> {via, acks: [ids], error}
    trace: [], // connects, disconnects and cuts, with how many stored events it had then
  };
  socket.on('disconnect', (reason) => client.trace.push(`@${client.received.length} disconnect ${reason}`));
  socket.onAny((event, ...args) => {
    if (!STORED.includes(event)) return;
    if (args.length !== 2 || args[1] !== String(args[0]?.id)) client.badOffsets++;
    client.received.push(args[0]?.id);
  });
  // Every transmission of a send (a resend by either retry mechanism counts).
  socket.onAnyOutgoing((event, payload) => {
    const record = client.sends.get(payload?.clientMsgId);
    if (record) record.attempts++;
  });
  socket.on('connect', () => {
    client.trace.push(`@${client.received.length} connect ${socket.io.uri} sid=${socket.id} recovered=${socket.recovered}`);
    client.connects++;
    if (client.connects > 1) socket.recovered ? client.recovered++ : client.notRecovered++;
  });
  socket.io.on('reconnect_attempt', () => {
    const live = cluster.nodes.filter((n) => !down.has(n.index));
    if (live.length) socket.io.uri = pick(live).url;
  });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return client;
}

const connected = (client) => until(() => client.socket.connected, `client ${client.index} connected`, 60000, 20);

// One message, resent after a timeout or a lost connection with the same clientMsgId until it
// is acked. `official`: the client's own queue does the resending (retries, ackTimeout).
async function send(client, event, payload, deadline) {
  const clientMsgId = `c${client.index}-${randomBytes(6).toString('hex')}`;
  const record = { via: event, acks: [], attempts: 0 };
  client.sends.set(clientMsgId, record);
  const body = { ...payload, clientMsgId };
  if (client.official) {
    await new Promise((resolve) => client.socket.emit(event, body, (err, ack) => {
      if (err) record.error = err.message;
      else record.acks.push(ack?.id ?? JSON.stringify(ack));
      resolve();
    }));
    return;
  }
  while (record.acks.length === 0) {
    if (Date.now() > deadline) {
      record.error = 'never acked';
      return;
    }
    await connected(client);
    const socket = client.socket;
    // Every ack that arrives counts, also one that comes after this attempt gave up waiting.
    const acked = new Promise((resolve) => {
      socket.emit(event, body, (ack) => {
        record.acks.push(ack?.id ?? JSON.stringify(ack));
        resolve();
      });
    });
    const lost = new Promise((resolve) => socket.once('disconnect', resolve));
    await Promise.race([acked, lost, sleep(4000)]);
  }
}

// The same over POST /api/chat/send-image (a fresh upload each time), resent on any failure.
async function sendImageOverRest(client, recipientId, deadline) {
  const clientMsgId = `r${client.index}-${randomBytes(6).toString('hex')}`;
  const record = { via: 'rest', acks: [], attempts: 0 };
  client.sends.set(clientMsgId, record);
  while (record.acks.length === 0) {
    if (Date.now() > deadline) {
      record.error = 'never acked';
      return;
    }
    const live = cluster.nodes.filter((n) => !down.has(n.index));
    const node = pick(live.length ? live : cluster.nodes);
    const form = new FormData();
    form.append('file', new Blob([PNG_1X1], { type: 'image/png' }), 'pixel.png');
    if (recipientId) form.append('recipientId', String(recipientId));
    form.append('clientMsgId', clientMsgId);
    record.attempts++;
    try {
      const res = await fetch(node.url + '/api/chat/send-image', {
        method: 'POST', headers: { authorization: `Bearer ${client.token}` }, body: form,
        signal: AbortSignal.timeout(4000),
      });
      if (res.status === 201) record.acks.push((await res.json()).data);
      else await sleep(200);
    } catch {
      await sleep(200);
    }
  }
}

// What one client does until `end`: mostly public messages, private messages to random peers
// (sometimes after joining their pair room), images by link and by upload.
async function traffic(client, end) {
  const deadline = end + 60000;
  const peers = clients.filter((c) => c !== client);
  while (Date.now() < end) {
    const peer = pick(peers);
    const r = Math.random();
    if (r < 0.55) await send(client, 'public_message', { message: `hello ${client.index}` }, deadline);
    else if (r < 0.8) {
      if (!client.pairs.has(peer.user.id) && Math.random() < 0.3 && client.socket.connected) {
        const joined = await client.socket.timeout(4000).emitWithAck('join_room', { recipientId: peer.user.id }).catch(() => null);
        if (joined?.room) client.pairs.add(peer.user.id);
      }
      await send(client, 'private_message', { recipientId: peer.user.id, message: `to ${peer.index}` }, deadline);
    } else if (r < 0.95) {
      const recipientId = Math.random() < 0.5 ? peer.user.id : null;
      await send(client, 'send_image', { imageUrl: client.image, recipientId }, deadline);
    } else {
      await sendImageOverRest(client, Math.random() < 0.5 ? peer.user.id : null, deadline);
    }
    await sleep(20 + random(120));
  }
}

// Cuts one transport: a clean close, or a TCP reset (as a network loss would).
function cutTransport(client) {
  const engine = client.socket.io.engine;
  if (!engine || !client.socket.connected) return;
  const tcp = engine.transport?.name === 'websocket' ? engine.transport.ws?._socket : null;
  const reset = tcp && Math.random() < 0.5;
  client.trace.push(`@${client.received.length} cut (${reset ? 'reset' : 'close'}, ${engine.transport?.name}, offset ${client.socket._lastOffset})`);
  if (reset) tcp.resetAndDestroy();
  else engine.close();
}

async function waitForRedis(state) {
  for (const node of cluster.nodes)
    if (!down.has(node.index)) await until(async () => (await ready(node)).body.redis === state, `redis ${state} on node ${node.index + 1}`, 30000);
}

// The disasters, in rounds of 30 s while at least 20 s of traffic are left: 6 s in, a random
// node is SIGKILLed and restarted 3 s later; 15 s in, Redis is killed and started 2 s later.
// Transports are cut all along.
async function chaos(start, end, log) {
  const cutter = (async () => {
    while (Date.now() < end) {
      await sleep(150 + random(350));
      cutTransport(pick(clients));
    }
  })();
  const at = (ms) => sleep(Math.max(0, ms - Date.now()));
  for (let round = start; round + 20000 <= end; round += 30000) {
    await at(round + 6000);
    const victim = random(3);
    down.add(victim);
    await cluster.kill(victim);
    log.push(`node ${victim + 1} SIGKILLed`);
    await at(round + 9000);
    await cluster.restart(victim);
    down.delete(victim);
    log.push(`node ${victim + 1} restarted`);
    await at(round + 15000);
    await cluster.redis.kill();
    log.push('redis killed');
    await at(round + 17000);
    await cluster.redis.start();
    await waitForRedis('up');
    log.push('redis restarted');
  }
  await cutter;
}

// The ids a client's socket should have received: the rows of its rooms since its first connect
// (every row: all clients connect before the first message), as live delivery defines them:
// every public message; private messages and images to or from its user, except those its own
// socket sent (it never gets those echoed; one sent over REST it does get).
function expectedFor(client, rows, restSends) {
  return rows.filter((m) =>
    m.isPublic ||
    m.recipient === client.user.id ||
    (m.sender === client.user.id && restSends.has(m.clientMsgId)),
  );
}

test(`chaos for ${SECONDS} s: every client gets every message of its rooms once, in order; every send is stored once`, { timeout: (SECONDS + 240) * 1000 }, async (t) => {
  for (let i = 0; i < CLIENTS; i++) clients.push(await makeClient(i));
  const base = storedMessages();
  assert.equal(base.length, 0, 'no message before the clients connected');

  const start = Date.now();
  const end = start + SECONDS * 1000;
  const log = [];
  await Promise.all([chaos(start, end, log), ...clients.map((c) => traffic(c, end))]);
  // Sends still in flight get their acks (the official client's queue keeps resending).
  await until(() => clients.every((c) => [...c.sends.values()].every((s) => s.acks.length > 0 || s.error)),
    'every send answered', 60000, 100).catch(() => {});
  await Promise.all(clients.map(connected));

  const rows = storedMessages();
  const restSends = new Set(clients.flatMap((c) => [...c.sends].filter(([, s]) => s.via === 'rest').map(([k]) => k)));
  const expected = new Map(clients.map((c) => [c, expectedFor(c, rows, restSends).map((m) => m.id)]));
  // Everything stored reaches everyone within a few seconds once the chaos has stopped.
  await until(() => clients.every((c) => expected.get(c).every((id) => c.received.includes(id))),
    'every client has every message of its rooms', 20000, 100).catch(() => {});
  await sleep(500);

  // Per client and room: missing, duplicated, out of order, and received but not of its rooms.
  const totals = { rooms: 0, expected: 0, received: 0, missing: 0, duplicated: 0, outOfOrder: 0, foreign: 0, badOffsets: 0 };
  const problems = [];
  const byId = new Map(rows.map((m) => [m.id, m]));
  for (const c of clients) {
    const want = new Set(expected.get(c));
    const counts = new Map();
    for (const id of c.received) counts.set(id, (counts.get(id) ?? 0) + 1);
    const rooms = new Map([['public_room', (m) => m.isPublic], [`user:${c.user.id}`, (m) => !m.isPublic]]);
    for (const peer of c.pairs) rooms.set(`pair with ${peer}`, (m) => !m.isPublic && [m.sender, m.recipient].includes(peer));
    for (const [room, inRoom] of rooms) {
      totals.rooms++;
      const ids = [...want].filter((id) => inRoom(byId.get(id)));
      const missing = ids.filter((id) => !counts.has(id)).length;
      const duplicated = ids.filter((id) => counts.get(id) > 1).length;
      if (missing || duplicated) problems.push(`client ${c.index} ${room}: ${missing} missing, ${duplicated} duplicated of ${ids.length}`);
      if (room.startsWith('pair')) continue; // its messages are counted in the user room
      totals.expected += ids.length;
      totals.missing += missing;
      totals.duplicated += duplicated;
    }
    totals.received += c.received.length;
    const foreign = c.received.filter((id) => !want.has(id));
    totals.foreign += foreign.length;
    for (const id of foreign) problems.push(`client ${c.index} (user ${c.user.id}) got ${id}: ${JSON.stringify(byId.get(id))}`);
    c.received.forEach((id, k) => {
      if (k === 0 || id > c.received[k - 1]) return;
      totals.outOfOrder++;
      problems.push(`client ${c.index}: ${id} at @${k} after ${c.received.slice(Math.max(0, k - 5), k).join(',')}; ` +
        c.trace.filter((line) => Math.abs(Number(line.slice(1, line.indexOf(' '))) - k) < 50).join('; '));
    });
    totals.badOffsets += c.badOffsets;
  }

  // Every send: stored once (its clientMsgId names exactly one row of its sender) and every ack
  // it got names that row.
  const rowsByKey = new Map();
  for (const m of rows) if (m.clientMsgId) rowsByKey.set(`${m.sender}/${m.clientMsgId}`, [...(rowsByKey.get(`${m.sender}/${m.clientMsgId}`) ?? []), m]);
  const sends = { total: 0, acked: 0, unacked: 0, storedOnce: 0, notStored: 0, ackMismatch: 0, repeatedAcks: 0, resent: 0, unsentRows: 0 };
  const keys = new Set();
  for (const c of clients) {
    for (const [key, s] of c.sends) {
      sends.total++;
      keys.add(`${c.user.id}/${key}`);
      const stored = rowsByKey.get(`${c.user.id}/${key}`) ?? [];
      if (stored.length === 1) sends.storedOnce++;
      else sends.notStored++;
      if (s.acks.length > 0) sends.acked++;
      else {
        sends.unacked++;
        problems.push(`client ${c.index} ${s.via} ${key}: no ack (${s.error ?? 'none'})`);
      }
      sends.repeatedAcks += Math.max(0, s.acks.length - 1);
      if (s.attempts > 1) sends.resent++;
      // A REST send's answer is the image link, not the id: it must be the stored row's link.
      const ids = s.via === 'rest' ? [] : s.acks;
      if (stored.length === 1 && ids.some((id) => id !== stored[0].id)) {
        sends.ackMismatch++;
        problems.push(`client ${c.index} ${key}: acks ${JSON.stringify(s.acks)} but stored as ${stored[0].id}`);
      }
    }
  }
  for (const m of rows) if (!m.clientMsgId || !keys.has(`${m.sender}/${m.clientMsgId}`)) sends.unsentRows++;
  const reconnects = clients.reduce((n, c) => n + c.connects - 1, 0);
  const recovered = clients.reduce((n, c) => n + c.recovered, 0);
  const notRecovered = clients.reduce((n, c) => n + c.notRecovered, 0);

  const summary = [
    `chaos: ${SECONDS} s, ${CLIENTS} clients on 3 nodes; ${log.join(', ')}`,
    `chaos: ${reconnects} reconnections, ${recovered} recovered, ${notRecovered} not recovered`,
    `chaos: ${totals.rooms} client rooms, ${totals.expected} deliveries stored for them, ${totals.received} received: ` +
      `${totals.missing} missing, ${totals.duplicated} duplicated, ${totals.outOfOrder} out of order, ` +
      `${totals.foreign} not of its rooms, ${totals.badOffsets} without their offset`,
    `chaos: ${sends.total} sends (${sends.resent} of them resent), ${rows.length} messages stored; ${sends.acked} acked, ${sends.unacked} unacked, ` +
      `${sends.storedOnce} stored once, ${sends.notStored} not stored exactly once, ${sends.ackMismatch} acked with another message, ` +
      `${sends.repeatedAcks} repeated acks (same message), ${sends.unsentRows} stored messages no client sent`,
  ];
  for (const line of summary) {
    console.log(line);
    t.diagnostic(line);
  }
  for (const line of problems.slice(0, 40)) t.diagnostic(line);
  assert.ok(log.some((l) => l.includes('SIGKILL')) && log.includes('redis restarted'), 'a node was killed and Redis restarted');
  assert.ok(reconnects >= CLIENTS, `transports were cut (${reconnects} reconnections)`);
  assert.equal(notRecovered, 0, 'every reconnection recovered its session');
  assert.ok(sends.total > 100, `clients sent (${sends.total})`);
  assert.deepEqual(
    { missing: totals.missing, duplicated: totals.duplicated, outOfOrder: totals.outOfOrder, foreign: totals.foreign, badOffsets: totals.badOffsets },
    { missing: 0, duplicated: 0, outOfOrder: 0, foreign: 0, badOffsets: 0 },
  );
  assert.deepEqual(
    { unacked: sends.unacked, notStored: sends.notStored, ackMismatch: sends.ackMismatch, unsentRows: sends.unsentRows },
    { unacked: 0, notStored: 0, ackMismatch: 0, unsentRows: 0 },
  );
});
