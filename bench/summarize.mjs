// Turns the JSON lines of bench/compare.sh into its Markdown table: the median of each figure
// over the runs of each server, and the chatd/reference ratio.
// Usage: node bench/summarize.mjs results.jsonl [--title T] [--machine M] [--versions V]
//        [--commit C] [--load L] [--other NAME]
// --other names the second server (default reference; compare.sh --against runs "before").
import { readFileSync } from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
const opts = {};
for (let i = 0; i < rest.length; i += 2) opts[rest[i].replace(/^--/, '')] = rest[i + 1];

const runs = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => {
    try {
      return JSON.parse(l);
    } catch {
      return { error: `unreadable line: ${l.slice(0, 120)}` };
    }
  });

const other = opts.other ?? 'reference';

const get = (obj, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);

// One row per figure: scenario id, label, path in the result, unit, which way is better, target.
const rows = [
  ['connect5k', 'idle connections: server memory per connection', 'bytes_per_connection', 'bytes', 'lower', 'chatd ≤ 1/5'],
  ['connect5k', 'idle connections: connections/s while connecting', 'connections_per_s', '/s', 'higher'],
  ['connect20k', 'large connection count: connections ready', 'ready', '', 'higher'],
  ['connect20k', 'large connection count: server memory per connection', 'bytes_per_connection', 'bytes', 'lower', 'chatd ≤ 1/5'],
  ['connect20k', 'large connection count: public message p99 at all sockets', 'probe.latency_ms.p99', 'ms', 'lower', 'chatd < 50 ms'],
  ['fanout', 'fan-out: deliveries/s with p99 < 50 ms', 'best_deliveries_per_s', '/s', 'higher', '≥ 10×'],
  ['fanout', 'fan-out: p99 at that rate', 'best_p99_ms', 'ms', 'lower'],
  ['fanout', 'fan-out: messages/s sent at that rate', 'best_rate', '/s', 'higher'],
  ['fanout', 'fan-out: highest deliveries/s sustained (p99 < 1 s, nothing lost)', 'sustained_deliveries_per_s', '/s', 'higher'],
  ['fanout', 'fan-out: p99 at that rate', 'sustained_p99_ms', 'ms', 'lower'],
  ['private', 'private messages: delivered/s (stored, windowed)', 'steps.0.deliveries_per_s', '/s', 'higher'],
  ['private', 'private messages: latency p50', 'steps.0.latency_ms.p50', 'ms', 'lower'],
  ['private', 'private messages: latency p99', 'steps.0.latency_ms.p99', 'ms', 'lower'],
  ['store', 'stored messages/s, PostgreSQL', 'stored_per_s', '/s', 'higher', 'chatd ≥ 20,000 and ≥ 10×'],
  ['store', 'store: ack p99, PostgreSQL', 'step.ack_latency_ms.p99', 'ms', 'lower'],
  ['store-sqlite', 'stored messages/s, SQLite', 'stored_per_s', '/s', 'higher'],
  ['recover', 'recovery after SIGKILL: time to all reconnected', 'all_reconnected_s', 's', 'lower'],
  ['recover', 'recovery after SIGKILL: time to all recovered', 'all_recovered_s', 's', 'lower', 'chatd ≤ 10 s'],
  ['recover', 'recovery after SIGKILL: recovered', 'recovered_pct', '%', 'higher', 'chatd 100 %'],
  ['recover', 'recovery after SIGKILL: missed deliveries', 'missed', '', 'lower', 'chatd 0'],
  ['recover', 'recovery after SIGKILL: duplicated deliveries', 'duplicates', '', 'lower', 'chatd 0'],
  ['recover', 'recovery after SIGKILL: server CPU, restart to all reconnected (start-up included)', 'recovery_server_cpu_s', 's', 'lower'],
  ['recover', 'recovery after SIGKILL: server peak RSS while clients reconnect', 'recovery_server_peak_rss_mib', 'MiB', 'lower'],
];

function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function fmt(v, unit) {
  if (v === undefined) return 'n/a';
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  const text = v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit && unit !== '/s' ? `${text} ${unit}` : unit === '/s' ? `${text}/s` : text;
}

const values = (id, server, path) =>
  runs.filter((r) => r.id === id && r.server === server && r.result && !r.result.error).map((r) => get(r.result, path));

const out = [];
out.push(`### ${opts.title ?? `chatd vs ${other}`}`);
out.push('');
if (opts.machine) out.push(`Machine: ${opts.machine}. ${opts.versions ?? ''}. chatd commit ${opts.commit ?? '?'}; ${opts.load ?? ''}.`);
out.push('Generator and servers on the same machine; each run on a freshly started server.');
out.push('');
out.push(`| figure | chatd | ${other} | chatd/${other} | target |`);
out.push('|---|---:|---:|---:|---|');
for (const [id, label, path, unit, better, target] of rows) {
  const server = id === 'store-sqlite' ? 'sqlite' : 'chatd';
  if (!runs.some((r) => r.id === id)) continue;
  const a = median(values(id, server, path));
  // SQLite runs against the reference's place only with --against (as sqlite-before).
  const b = median(values(id, id === 'store-sqlite' ? `sqlite-${other}` : other, path));
  let ratio = 'n/a';
  if (a !== undefined && b !== undefined && b !== 0) ratio = `${(a / b).toFixed(a / b >= 10 ? 1 : 2)}×`;
  else if (a !== undefined && a > 0 && b === 0) ratio = '∞';
  out.push(`| ${label} | ${fmt(a, unit)} | ${fmt(b, unit)} | ${ratio} (${better} is better) | ${target ?? ''} |`);
}

// Where the generator's own CPU stood, and what went wrong, so that a figure can be judged.
const notes = [];
for (const r of runs) {
  const res = r.result ?? {};
  const problems = [];
  if (r.error || res.error) problems.push(r.error ?? res.error);
  if (res.server_died) problems.push('server died');
  if (res.failed) problems.push(`${res.failed} connections failed (${res.first_failure ?? ''})`);
  if (res.first_close) problems.push(`a socket was closed: ${res.first_close}`);
  if (res.first_error) problems.push(`server error: ${res.first_error}`);
  if (res.restart_error) problems.push(`restart: ${res.restart_error}`);
  if (res.history_error) problems.push(`history not readable, judged against the acks: ${res.history_error}`);
  if (problems.length) notes.push(`- ${r.id} on ${r.server}: ${problems.join('; ')}`);
}
const cpu = [];
for (const id of ['fanout', 'private', 'store']) {
  for (const server of ['chatd', other]) {
    const steps = runs
      .filter((r) => r.id === id && r.server === server && r.result && !r.result.error)
      .map((r) => {
        if (id === 'fanout') {
          const s = r.result.steps ?? [];
          const best = s.filter((x) => x.pass).at(-1) ?? s[0];
          return best;
        }
        return id === 'store' ? r.result.step : r.result.steps?.[0];
      })
      .filter(Boolean);
    if (steps.length === 0) continue;
    const m = (key) => fmt(median(steps.map((s) => s[key])));
    cpu.push(
      `${id}/${server}: generator ${m('generator_cpu_pct')} % (waiting ${m('generator_runqueue_wait_pct')} %), server ${m('server_cpu_pct')} % (waiting ${m('server_runqueue_wait_pct')} %)`,
    );
  }
}
if (cpu.length) {
  out.push('');
  out.push(
    `CPU (percent of one core, median, at the reported step; "waiting": runnable but not running, i.e. CPU taken by other processes or threads): ${cpu.join('; ')}.`,
  );
}
const fanoutSteps = runs.filter((r) => r.id === 'fanout' && r.result?.steps);
if (fanoutSteps.length) {
  out.push('');
  out.push('Fan-out steps (messages/s → deliveries/s, p99; "over 50 ms": sustained but over the latency objective; ✗: not sustained), per run:');
  for (const r of fanoutSteps)
    out.push(
      `- ${r.server}: ${r.result.steps
        .map((s) => `${s.rate} → ${Math.round(s.deliveries_per_s)}/s, ${s.latency_ms.p99} ms${s.pass ? '' : s.sustained ? ' (over 50 ms)' : ' ✗'}`)
        .join('; ')}`,
    );
}
const recoverRuns = runs.filter((r) => r.id === 'recover' && r.result && !r.result.error);
if (recoverRuns.length) {
  out.push('');
  out.push(
    'Recovery after SIGKILL, per run (times from the restart; missed: stored messages of the run a client should have received and never did, live or replayed; a client that is not recovered is expected to refetch its history):',
  );
  const n = (v) => fmt(v);
  for (const r of recoverRuns) {
    const x = r.result;
    out.push(
      `- ${r.server}: ${x.reconnected}/${x.to_reconnect} back after ${fmt(x.all_reconnected_s ?? undefined, 's')} (first ${fmt(x.first_reconnect_s ?? undefined, 's')}, ${x.failed_attempts} failed attempts), ` +
        `recovered ${x.recovered} (${x.recovered_pct} %); ${x.made} messages (${x.made_while_disconnected} made while disconnected, ${x.resent} resent), ` +
        `stored ${n(x.stored_public)} public + ${n(x.stored_private)} private (${x.stored_twice} twice); missed ${n(x.missed)} of ${n(x.expected)} deliveries ` +
        `(${n(x.missed_at_recovered)} at recovered clients, ${x.clients_missing} clients missing some), duplicated ${n(x.duplicates)}, unexpected ${n(x.unexpected)}, out of order ${n(x.out_of_order)}; ` +
        `presence deliveries during the storm ${n(x.presence_deliveries_recovery)}; server CPU ${fmt(x.recovery_server_cpu_s, 's')}, peak RSS ${fmt(x.recovery_server_peak_rss_mib, 'MiB')}; generator CPU ${fmt(x.recovery_generator_cpu_pct, '%')}`,
    );
  }
}
if (notes.length) {
  out.push('');
  out.push('Problems seen:');
  out.push(...notes);
}
console.log(out.join('\n'));
