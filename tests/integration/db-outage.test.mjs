// A frozen PostgreSQL must not freeze chatd. Every process of a PostgreSQL cluster of the test's
// own is SIGSTOPped for 15 s (what a stalled VM or a network partition looks like: connections
// stay open, nothing answers) while a client keeps sending messages and polling /ready and a
// REST route. Before the database deadlines, sends got neither ack nor error for the whole
// freeze, /ready hung, and an outage logged ~8,000 lines and reconnected ~1,500 times a second.
//
// chatd runs with its defaults: DB_WRITE_TIMEOUT_MS 5000, DB_STATEMENT_TIMEOUT_MS 5000 (a call
// without answer ends 1 s after it), DB_CONNECT_TIMEOUT_MS 5000.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startChatd, api, registerAndLogin, database } from '../lib/chatd.mjs';
import { connect } from '../lib/chat-socket.mjs';
import { startPostgres } from '../lib/postgres.mjs';
import { parsePrometheus, sampleValue } from '../lib/metrics.mjs';

const skip = database === 'postgres' ? false : 'PostgreSQL only (TEST_DATABASE=postgres)';
const FREEZE_MS = 15000;
const WRITE_TIMEOUT_MS = 5000;
const CALL_TIMEOUT_MS = 6000; // DB_STATEMENT_TIMEOUT_MS + 1 s
// Room for a machine shared with builds and other suites.
const MARGIN_MS = 1500;
const UNAVAILABLE = 'Database unavailable, please try again later';

let pg;
let server;
let sender;
let freezeAt;
let thawAt;
const sends = []; // {text, sentAt, ackAt, ack}
const readies = []; // {at, ms, status, body}
const histories = []; // {at, ms, status, message}
let outageConnect; // {ms, error}
let logDuringOutage = [];
let pgConnectionsDuringOutage = 0;
const metricsAt = {}; // before, during, after: parsed /metrics

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

function send(socket, text) {
  const entry = { text, sentAt: now() };
  sends.push(entry);
  entry.done = socket
    .timeout(30000)
    .emitWithAck('public_message', { message: text })
    .then((ack) => {
      entry.ack = ack;
      entry.ackAt = now();
    })
    .catch((e) => {
      entry.ack = { noAck: e.message };
      entry.ackAt = now();
    });
}

async function scrape() {
  return parsePrometheus((await api(server, 'GET', '/metrics')).text);
}
const sample = sampleValue;

// Calls fn every `every` ms until stop() is called; each call's promise is kept.
function every(ms, fn) {
  const pending = [];
  const timer = setInterval(() => pending.push(fn()), ms);
  return async () => {
    clearInterval(timer);
    await Promise.all(pending);
  };
}

before(async () => {
  if (skip) return;
  pg = await startPostgres(['log_connections=on']);
  server = await startChatd({ database: pg.url, env: { MESSAGE_RATE_PER_SECOND: '0' } });
  const user = await registerAndLogin(server);
  sender = await connect(server, user.token);
  let n = 0;
  const stopSending = every(100, () => send(sender, `outage ${n++}`));
  const stopReady = every(500, async () => {
    const at = now();
    const r = await api(server, 'GET', '/ready');
    readies.push({ at, ms: now() - at, status: r.status, body: r.body });
  });
  const stopHistory = every(500, async () => {
    const at = now();
    const r = await api(server, 'GET', '/api/chat/public?perPage=1', { token: user.token });
    histories.push({ at, ms: now() - at, status: r.status, message: r.body?.message });
  });
  await sleep(1000);
  metricsAt.before = await scrape();

  const logBefore = server.output().length;
  const pgLogBefore = pg.log().length;
  freezeAt = now();
  pg.freeze();
  await sleep(CALL_TIMEOUT_MS + MARGIN_MS);
  // A new socket while chatd knows the database is down: refused at once, and not "Unauthorized".
  const connectAt = now();
  try {
    (await connect(server, user.token)).close();
    outageConnect = { ms: now() - connectAt, error: null };
  } catch (e) {
    outageConnect = { ms: now() - connectAt, error: e.message };
  }
  metricsAt.during = await scrape();
  await sleep(freezeAt + FREEZE_MS - now());
  thawAt = now();
  pg.thaw();
  await sleep(3000);
  metricsAt.after = await scrape();
  logDuringOutage = server.output().slice(logBefore).split('\n').filter(Boolean);
  pgConnectionsDuringOutage = pg.log().slice(pgLogBefore).split('\n').filter((l) => l.includes('connection received')).length;
  await stopSending();
  await Promise.all(sends.map((s) => s.done));
  await stopReady();
  await stopHistory();
});

after(async () => {
  sender?.close();
  await server?.cleanup();
  await pg?.stop();
});

const ms = (x) => `${Math.round(x)} ms`;

test('every send is answered within the write deadline, stored or not', { skip }, () => {
  const late = sends.filter((s) => s.ackAt - s.sentAt > WRITE_TIMEOUT_MS + MARGIN_MS);
  const slowest = Math.max(...sends.map((s) => s.ackAt - s.sentAt));
  console.log(`sends: ${sends.length}, slowest answer ${ms(slowest)}`);
  assert.deepEqual(late.map((s) => [s.text, ms(s.ackAt - s.sentAt), s.ack]), []);
  for (const s of sends) {
    assert.ok(s.ack && !s.ack.noAck, `${s.text}: ${JSON.stringify(s.ack)}`);
    if (s.ack.status === 'error') assert.equal(s.ack.message, UNAVAILABLE, s.text);
    else assert.equal(typeof s.ack.id, 'number', `${s.text}: ${JSON.stringify(s.ack)}`);
  }
  // Sent while frozen, once chatd had found the database gone: refused at once.
  const known = sends.filter((s) => s.sentAt > freezeAt + WRITE_TIMEOUT_MS + MARGIN_MS && s.sentAt < thawAt);
  assert.ok(known.length > 50, `${known.length} sends in the known outage`);
  for (const s of known) {
    assert.equal(s.ack.message, UNAVAILABLE, s.text);
    assert.ok(s.ackAt - s.sentAt < 500, `${s.text} refused after ${ms(s.ackAt - s.sentAt)}`);
  }
});

test('/ready answers 503 within 2 s while the database is frozen', { skip }, () => {
  const slowest = Math.max(...readies.map((r) => r.ms));
  console.log(`/ready: ${readies.length} calls, slowest ${ms(slowest)}`);
  for (const r of readies) assert.ok(r.ms < 2000, `/ready took ${ms(r.ms)}`);
  const frozen = readies.filter((r) => r.at > freezeAt + 100 && r.at + r.ms < thawAt);
  assert.ok(frozen.length >= 20, `${frozen.length} calls while frozen`);
  for (const r of frozen) {
    assert.equal(r.status, 503);
    assert.equal(r.body.status, 'unavailable');
    assert.equal(r.body.database, 'down');
  }
});

test('REST calls that need the database answer 503, promptly once the outage is known', { skip }, () => {
  const during = histories.filter((h) => h.at > freezeAt + 100 && h.at < thawAt);
  for (const h of during) {
    assert.equal(h.status, 503, JSON.stringify(h));
    assert.equal(h.message, UNAVAILABLE);
    assert.ok(h.ms < CALL_TIMEOUT_MS + MARGIN_MS, `history took ${ms(h.ms)}`);
  }
  const known = during.filter((h) => h.at > freezeAt + CALL_TIMEOUT_MS + MARGIN_MS);
  assert.ok(known.length >= 10, `${known.length} calls in the known outage`);
  for (const h of known) assert.ok(h.ms < 500, `history took ${ms(h.ms)} in the known outage`);
  assert.equal(outageConnect.error, UNAVAILABLE);
  assert.ok(outageConnect.ms < 1000, `connect refused after ${ms(outageConnect.ms)}`);
});

test('full service within 2 s of SIGCONT', { skip }, () => {
  const normal = sends.filter((s) => s.sentAt < freezeAt).map((s) => s.ackAt - s.sentAt);
  const back = sends.filter((s) => s.sentAt > thawAt + 2000);
  assert.ok(back.length >= 5, `${back.length} sends after the thaw`);
  const firstOk = sends.find((s) => s.sentAt > thawAt && s.ack.id);
  console.log(
    `ack before the freeze: max ${ms(Math.max(...normal))}; first stored send ${ms(firstOk.sentAt - thawAt)} ` +
      `after SIGCONT; after +2 s: max ${ms(Math.max(...back.map((s) => s.ackAt - s.sentAt)))}`,
  );
  for (const s of back) {
    assert.equal(typeof s.ack.id, 'number', `${s.text}: ${JSON.stringify(s.ack)}`);
    assert.ok(s.ackAt - s.sentAt < 500, `${s.text} acked after ${ms(s.ackAt - s.sentAt)}`);
  }
  for (const r of readies.filter((r) => r.at > thawAt + 2000)) assert.equal(r.status, 200);
  for (const h of histories.filter((h) => h.at > thawAt + 2000)) assert.equal(h.status, 200);
});

test('every acknowledged message is in the history exactly once', { skip }, async () => {
  const user = await registerAndLogin(server);
  const seen = new Map();
  for (let before = null; ; ) {
    const q = before ? `?perPage=100&before=${before}` : '?perPage=100';
    const r = await api(server, 'GET', `/api/chat/public${q}`, { token: user.token });
    assert.equal(r.status, 200);
    for (const m of r.body.data) seen.set(m.content, (seen.get(m.content) ?? 0) + 1);
    if (r.body.data.length < 100) break;
    before = r.body.data.at(-1).id;
  }
  const acked = sends.filter((s) => s.ack.id);
  console.log(`${acked.length} of ${sends.length} sends stored and acknowledged`);
  for (const s of acked) assert.equal(seen.get(s.text), 1, s.text);
});

test('the outage is logged in a few lines, with few reconnection attempts', { skip }, () => {
  console.log(`log lines from freeze to thaw + 3 s: ${logDuringOutage.length}\n  ${logDuringOutage.join('\n  ')}`);
  console.log(`connections PostgreSQL received in that time: ${pgConnectionsDuringOutage}`);
  assert.ok(logDuringOutage.length <= 15, `${logDuringOutage.length} lines`);
  assert.ok(logDuringOutage.some((l) => l.includes('PostgreSQL unavailable')));
  assert.ok(logDuringOutage.some((l) => l.includes('PostgreSQL available again')));
  // Attempts pile up in the frozen server's listen queue and show in its log after SIGCONT.
  assert.ok(pgConnectionsDuringOutage <= 40, `${pgConnectionsDuringOutage} connections`);
});

test('/metrics shows the outage: chatd_database_up 0 during it, failed stores counted', { skip }, () => {
  assert.equal(sample(metricsAt.before, 'chatd_database_up'), 1);
  assert.equal(sample(metricsAt.during, 'chatd_database_up'), 0);
  assert.equal(sample(metricsAt.after, 'chatd_database_up'), 1);
  const failedBefore = sample(metricsAt.before, 'chatd_message_store_failures_total');
  const failedAfter = sample(metricsAt.after, 'chatd_message_store_failures_total');
  const refused = sends.filter((s) => s.ack.status === 'error').length;
  assert.equal(failedBefore, 0);
  assert.ok(failedAfter > 0, 'failed stores counted');
  assert.ok(failedAfter <= refused, `${failedAfter} failures counted, ${refused} sends refused`);
  // Only committed messages are timed: those stored before the freeze and after the thaw.
  const count = sample(metricsAt.after, 'chatd_message_store_seconds_count');
  assert.ok(count > sample(metricsAt.before, 'chatd_message_store_seconds_count'));
});
