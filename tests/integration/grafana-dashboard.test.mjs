// deploy/grafana-dashboard.json queries only metrics that a running chatd exposes (a renamed or
// removed metric would leave an empty panel), and covers what an operator watches.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startChatd, api } from '../lib/chatd.mjs';
import { parsePrometheus } from '../lib/metrics.mjs';

const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana-dashboard.json', import.meta.url), 'utf8'));

let server;
before(async () => {
  server = await startChatd();
});
after(async () => server.cleanup());

// Every PromQL text of the dashboard: panel targets, and the variables' queries.
function queries(node, out = []) {
  if (Array.isArray(node)) for (const x of node) queries(x, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (typeof v === 'string' && ['expr', 'query', 'definition'].includes(k)) out.push(v);
      else queries(v, out);
    }
  }
  return out;
}

const metricNames = (expr) => [...expr.matchAll(/\bchatd_[a-z0-9_]+/g)].map((m) => m[0]);

test('every metric the dashboard queries exists in /metrics of a running chatd', async () => {
  await api(server, 'GET', '/health');
  const exposed = parsePrometheus((await api(server, 'GET', '/metrics')).text);
  // Series names as they are queried: a histogram's _bucket, _sum and _count included.
  const series = new Set();
  for (const [name, family] of exposed) {
    series.add(name);
    for (const s of family.samples) series.add(s.name);
  }
  const exprs = queries(dashboard);
  assert.ok(exprs.length >= 20, `${exprs.length} queries`);
  const used = new Set(exprs.flatMap(metricNames));
  const unknown = [...used].filter((n) => !series.has(n) || (exposed.has(n) && exposed.get(n).type === 'histogram'));
  assert.deepEqual(unknown, [], 'queried by the dashboard, not exposed (or a histogram without _bucket/_sum/_count)');
  // What the dashboard is for.
  for (const needed of ['chatd_socketio_sockets', 'chatd_engineio_sessions', 'chatd_messages_stored_total',
    'chatd_message_store_seconds_bucket', 'chatd_delivery_fanout_seconds_bucket', 'chatd_http_requests_total',
    'chatd_message_store_failures_total', 'chatd_database_up', 'chatd_presence_announcements_total'])
    assert.ok(used.has(needed), `the dashboard shows ${needed}`);
});

test('the dashboard is a Grafana dashboard: unique panel ids, every panel on the datasource variable', () => {
  assert.equal(typeof dashboard.title, 'string');
  assert.ok(dashboard.schemaVersion >= 30);
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const p of dashboard.panels) {
    assert.ok(p.gridPos && p.title, `panel ${p.id}`);
    if (p.type === 'row') continue;
    assert.equal(p.datasource.uid, '${datasource}', p.title);
    assert.ok(p.targets.length > 0, p.title);
    for (const t of p.targets) assert.ok(metricNames(t.expr).length > 0, `${p.title}: ${t.expr}`);
  }
  assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'));
});

test('the check sees a query of a metric that does not exist', () => {
  assert.deepEqual(metricNames('rate(chatd_no_such_total[5m]) / chatd_x_bucket'), ['chatd_no_such_total', 'chatd_x_bucket']);
  assert.deepEqual(queries({ panels: [{ targets: [{ expr: 'a' }] }], templating: { list: [{ query: { query: 'b' } }] } }), ['a', 'b']);
});
