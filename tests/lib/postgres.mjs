// A throwaway PostgreSQL cluster of a test's own, for tests that freeze or stop it (the shared
// one of scripts/test.sh serves every other test). Started as scripts/test.sh starts its own:
// initdb + pg_ctl from the newest /usr/lib/postgresql/*/bin (or CHATD_TEST_PGBIN), as the
// postgres account when running as root.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './chatd.mjs';

function pgBin() {
  if (process.env.CHATD_TEST_PGBIN) return process.env.CHATD_TEST_PGBIN;
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
  const newest = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql (set CHATD_TEST_PGBIN)');
  return `/usr/lib/postgresql/${newest}/bin`;
}

const asRoot = process.getuid?.() === 0;
function runPg(cmd, args) {
  if (asRoot) return execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
  return execFileSync(cmd, args, { stdio: 'pipe' });
}

// The processes of the cluster: the postmaster and its children (each in a session of its own,
// so not one process group).
function childrenOf(pid) {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, ppid follows the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {}
  }
  return out;
}

export async function startPostgres(settings = []) {
  const bin = pgBin();
  const dir = mkdtempSync(join(tmpdir(), 'chatd-pg-'));
  chmodSync(dir, 0o755);
  if (asRoot) execFileSync('chown', ['postgres', dir]);
  const data = join(dir, 'data');
  const port = await freePort();
  runPg(`${bin}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres']);
  const opts = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', ...settings.map((s) => `-c ${s}`)];
  runPg(`${bin}/pg_ctl`, ['-D', data, '-l', join(dir, 'log'), '-w', '-o', opts.join(' '), 'start']);
  const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  let frozen = [];
  return {
    url,
    postmaster,
    log: () => readFileSync(join(dir, 'log'), 'utf8'),
    // SIGSTOP: the postmaster first (no new children after that), then every child.
    freeze() {
      process.kill(postmaster, 'SIGSTOP');
      frozen = [postmaster, ...childrenOf(postmaster)];
      for (const pid of frozen.slice(1)) process.kill(pid, 'SIGSTOP');
    },
    thaw() {
      for (const pid of frozen.reverse()) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {}
      }
      frozen = [];
    },
    async stop() {
      if (frozen.length) this.thaw();
      try {
        runPg(`${bin}/pg_ctl`, ['-D', data, '-m', 'immediate', 'stop']);
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
