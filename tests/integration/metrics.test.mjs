// /metrics and the README's "Metrics" table name the same metrics, with the same types and
// labels: a metric added without its row, or a row left behind, fails here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startChatd, api } from '../lib/chatd.mjs';
import { parsePrometheus, documentedMetrics } from '../lib/metrics.mjs';

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
