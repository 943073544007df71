// Measuring a chatd process from the tests: latency percentiles, Prometheus metrics, and what
// /proc says of its CPU time and open descriptors.
import { readFileSync, readdirSync } from 'node:fs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The p-th percentile (nearest rank) of a list of numbers.
export function percentile(xs, p) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

// "n=.. p50=.. ms p99=.. ms max=.. ms" of latencies in ms.
export function summary(xs) {
  if (xs.length === 0) return 'n=0';
  return (
    `n=${xs.length} p50=${percentile(xs, 50).toFixed(1)} ms p99=${percentile(xs, 99).toFixed(1)} ms ` +
    `max=${Math.max(...xs).toFixed(1)} ms`
  );
}

// A metric's value from /metrics (first sample of that name), or NaN.
export async function metric(server, name) {
  const text = await (await fetch(server.url + '/metrics')).text();
  const m = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

// CPU seconds (user + system) the process has used so far.
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100; // USER_HZ on Linux
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

// Open file descriptors of the process.
export function openDescriptors(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

// False when chatd runs under AddressSanitizer (scripts/test.sh step 5): its resident memory is
// then mostly ASan's (freed blocks wait in a 256 MB quarantine, every block has redzones), so
// memory bounds are checked by the normal run only.
export const rssIsChatds = !process.env.ASAN_OPTIONS;

// Peak resident memory of the process, in MiB.
export function peakRssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmHWM:\s+(\d+) kB/)[1]) / 1024;
}

// Resident memory of the process now, in MiB.
export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+) kB/)[1]) / 1024;
}
