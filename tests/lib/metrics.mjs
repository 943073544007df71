// Reading Prometheus text and the README's "Metrics" table, for the tests that keep the two (and
// the Grafana dashboard) in step.
import { readFileSync } from 'node:fs';

const readme = new URL('../../README.md', import.meta.url);

// { families: Map(name -> {type, help, samples: [{name, labels: {..}, value}]}) } from the
// exposition format. A sample belongs to the family of its # TYPE line (histograms' _bucket,
// _sum and _count included).
export function parsePrometheus(text) {
  const families = new Map();
  let current = null;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = line.match(/^# (HELP|TYPE) (\S+) (.*)$/);
    if (m) {
      const [, kind, name, rest] = m;
      if (!families.has(name)) families.set(name, { type: undefined, help: undefined, samples: [] });
      families.get(name)[kind === 'TYPE' ? 'type' : 'help'] = rest;
      current = name;
      continue;
    }
    m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const [, name, labelText, value] = m;
    if (!current || !(name === current || name.startsWith(current + '_')))
      throw new Error(`sample ${name} outside its family (${current})`);
    const labels = {};
    for (const [, k, v] of (labelText ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    families.get(current).samples.push({ name, labels, value: Number(value) });
  }
  return families;
}

// Map(name -> {type, labels: [..], meaning}) from the rows of README's "## Metrics" table.
export function documentedMetrics(text = readFileSync(readme, 'utf8')) {
  const start = text.indexOf('\n## Metrics\n');
  if (start < 0) throw new Error('README has no "## Metrics" section');
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  const metrics = new Map();
  for (const line of section.split('\n')) {
    const m = line.match(/^\| `([a-z_:]+)` \| (\w+) \|([^|]*)\| (.+) \|$/);
    if (!m) continue;
    const [, name, type, labelText, meaning] = m;
    if (metrics.has(name)) throw new Error(`README documents ${name} twice`);
    const labels = [...labelText.matchAll(/`([a-z_]+)`/g)].map((x) => x[1]);
    metrics.set(name, { type, labels, meaning: meaning.trim() });
  }
  return metrics;
}

// The value of the unlabelled sample `name` in parsePrometheus' result (a histogram's _count or
// _sum too).
export function sampleValue(families, name) {
  for (const family of families.values()) {
    const found = family.samples.find((s) => s.name === name);
    if (found) return found.value;
  }
  throw new Error(`no sample ${name}`);
}
