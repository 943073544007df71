// /metrics and the README's "Metrics" table name the same metrics, with the same types and
// labels: a metric added without its row, or a row left behind, fails here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startChatd, api, registerAndLogin } from '../lib/chatd.mjs';
import { connect, sendPublic, eventsOf, waitFor } from '../lib/chat-socket.mjs';
import { parsePrometheus, documentedMetrics, sampleValue } from '../lib/metrics.mjs';

let server;
before(async () => {
  server = await startChatd();
});
after(async () => server.cleanup());

// Label names of a family's samples, without the `le` of histogram buckets.
function sampleLabels(family) {
  const names = new Set();
  for (const s of family.samples) for (const k of Object.keys(s.labels)) if (k !== 'le') names.add(k);
  return [...names].sort();
}

test('every metric /metrics exposes is documented in the README, and nothing else is', async () => {
  // A request first, so that the labelled HTTP series have samples.
  assert.equal((await api(server, 'GET', '/health')).status, 200);
  const res = await api(server, 'GET', '/metrics');
  assert.equal(res.status, 200);
  const exposed = parsePrometheus(res.text);
  const documented = documentedMetrics();
  assert.ok(exposed.size >= 10, `only ${exposed.size} metrics exposed`);
  const undocumented = [...exposed.keys()].filter((n) => !documented.has(n));
  const missing = [...documented.keys()].filter((n) => !exposed.has(n));
  assert.deepEqual(undocumented, [], 'exposed by /metrics, missing from README "Metrics"');
  assert.deepEqual(missing, [], 'documented in README "Metrics", not exposed by /metrics');
  for (const [name, family] of exposed) {
    const doc = documented.get(name);
    assert.equal(family.type, doc.type, `${name}: type`);
    assert.ok(family.help && family.help.length > 5, `${name}: HELP text`);
    assert.ok(doc.meaning.length > 10, `${name}: README meaning`);
    assert.ok(family.samples.length > 0, `${name}: no sample`);
    assert.deepEqual(sampleLabels(family), [...doc.labels].sort(), `${name}: labels`);
  }
});

test('the README parser sees a row added or removed (the check above can fail)', () => {
  const rows = documentedMetrics();
  const text = `x\n## Metrics\n\n| name | type | labels | meaning |\n|---|---|---|---|\n` +
    `| \`chatd_a_total\` | counter | \`x\`, \`y\` | something counted |\n` +
    `| \`chatd_b\` | gauge | | something measured |\n## Next\n` +
    `| \`chatd_c\` | gauge | | after the section |\n`;
  const parsed = documentedMetrics(text);
  assert.deepEqual([...parsed.keys()], ['chatd_a_total', 'chatd_b']);
  assert.deepEqual(parsed.get('chatd_b').labels, []);
  assert.deepEqual(parsed.get('chatd_a_total').labels, ['x', 'y']);
  assert.ok(rows.has('chatd_http_requests_total'));
  assert.throws(() => documentedMetrics('no section here'), /no "## Metrics" section/);
});

const value = sampleValue;
async function scrape() {
  return parsePrometheus((await api(server, 'GET', '/metrics')).text);
}

test('each stored message is timed once into the store and fan-out histograms', async () => {
  const [a, b] = [await registerAndLogin(server), await registerAndLogin(server)];
  const sender = await connect(server, a.token);
  const receiver = await connect(server, b.token);
  try {
    const before = await scrape();
    const n = 5;
    for (let i = 0; i < n; i++) await sendPublic(sender, `timed ${i}`);
    await waitFor(() => eventsOf(receiver, 'public_message').length >= n, 'the receiver gets every message');
    // The last shard may record its fan-out just after the receiver has the packet.
    await waitFor(async () => value(await scrape(), 'chatd_delivery_fanout_seconds_count') >=
      value(before, 'chatd_delivery_fanout_seconds_count') + n, 'fan-out observations');
    const after = await scrape();
    const delta = (name) => value(after, name) - value(before, name);
    assert.equal(delta('chatd_messages_stored_total'), n);
    assert.equal(delta('chatd_message_store_seconds_count'), n);
    assert.equal(delta('chatd_delivery_fanout_seconds_count'), n);
    assert.equal(delta('chatd_message_store_failures_total'), 0);
    assert.equal(value(after, 'chatd_database_up'), 1);
    // PostgreSQL indexes for search in the background: the backlog drains (SQLite: always 0).
    await waitFor(async () => value(await scrape(), 'chatd_search_index_backlog') === 0,
      'the search index catches up');
    for (const name of ['chatd_message_store_seconds', 'chatd_delivery_fanout_seconds']) {
      const samples = after.get(name).samples;
      const buckets = samples.filter((s) => s.name === `${name}_bucket`);
      assert.ok(buckets.length >= 10, `${name}: ${buckets.length} buckets`);
      for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value, `${name} cumulative`);
      assert.equal(buckets.at(-1).labels.le, '+Inf');
      assert.equal(buckets.at(-1).value, value(after, `${name}_count`));
      const sum = samples.find((s) => s.name === `${name}_sum`).value;
      assert.ok(sum > 0 && sum < 10 * value(after, `${name}_count`), `${name}_sum ${sum}`);
    }
  } finally {
    sender.close();
    receiver.close();
  }
});
