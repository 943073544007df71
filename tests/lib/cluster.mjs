// Several chatd nodes acting as one through Redis, for the tests in tests/cluster/: a real
// redis-server on a free port (no persistence; it can be killed and started again on the same
// port) and N chatd nodes on one fresh PostgreSQL database, with the same JWE_KEY and REDIS_URL.
import { spawn } from 'node:child_process';
import { before, after } from 'node:test';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { startChatd, freshPostgresUrl, randomKey, api, freePort } from './chatd.mjs';
import { connect, eventsOf, presenceOf, waitFor } from './chat-socket.mjs';

export { eventsOf, presenceOf, freePort };

const redisBin = process.env.CHATD_REDIS_SERVER || 'redis-server';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every redis-server and chatd started here dies with the test process, even when it is
// interrupted (a timeout, Ctrl-C) or a test forgot a cleanup: no orphans holding ports.
const children = new Set();
export function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
function killChildren() {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {}
  }
}
process.once('exit', killChildren);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    killChildren();
    process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 })[sig]);
  });
}

// Starts redis-server on `port` (a free one if not given). Returns
// {port, url, start(), stop(), kill(), restart(), output()}; stop() is SIGTERM, kill() SIGKILL;
// start() brings it back on the same port (empty: nothing is persisted).
export async function startRedis(options = {}) {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'chatd-redis-'));
  let child = null;
  let output = '';
  const redis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    output: () => output,
    running: () => child !== null && child.exitCode === null && child.signalCode === null,
    async start() {
      // Right after a kill the port can still be busy for a moment: retry a few times.
      for (let attempt = 0; ; attempt++) {
        try {
          await launch();
          return redis;
        } catch (err) {
          if (attempt >= 20) throw err;
          await sleep(100);
        }
      }
    },
    async stop(signal = 'SIGTERM') {
      if (!redis.running()) return;
      const c = child;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill(signal);
      await exited;
    },
    kill: () => redis.stop('SIGKILL'),
    // SIGSTOP / SIGCONT: a Redis that keeps its connections open but stops answering (a hung
    // server, or a network partition that does not close the connections).
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    async restart() {
      await redis.stop();
      return redis.start();
    },
    async cleanup() {
      if (redis.running()) child.kill('SIGCONT');
      await redis.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  async function launch() {
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--protected-mode', 'no', '--daemonize', 'no', '--dir', dir, '--logfile', '',
      ...(options.args ?? []),
    ];
    const c = track(spawn(redisBin, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let onExit;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis-server did not start:\n' + out)), 10000);
      const onData = (chunk) => {
        out += chunk;
        output += chunk;
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      c.stdout.on('data', onData);
      c.stderr.on('data', onData);
      c.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${redisBin} (set CHATD_REDIS_SERVER): ${err.message}`));
      });
      onExit = (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code ?? signal}):\n${out}`));
      };
      c.once('exit', onExit);
    });
    c.off('exit', onExit);
    child = c;
  }
  await redis.start();
  return redis;
}

// A cluster for the tests of one file: started before them (startCluster(options)), its
// sockets closed and its processes stopped after them. scope.cluster and scope.nodes once
// started; scope.device(node, user) connects one of the user's devices to a node.
export function clusterScope(options) {
  const sockets = [];
  const scope = {
    cluster: undefined,
    nodes: [],
    async device(node, user) {
      const s = await connect(node, user.token);
      sockets.push(s);
      return s;
    },
  };
  before(async () => {
    scope.cluster = await startCluster(options);
    scope.nodes = scope.cluster.nodes;
  });
  after(async () => {
    for (const s of sockets) s.close();
    await scope.cluster?.cleanup();
  });
  return scope;
}

// Starts Redis and `nodes` chatd nodes on one fresh PostgreSQL database (CHATD_TEST_PG_URL),
// sharing JWE_KEY, REDIS_URL and an upload folder. Options: nodes (3), env (extra variables for
// every node), redis (false: no REDIS_URL, for comparison), redisPassword and redisDb (Redis
// requires that password; REDIS_URL carries it and the db number), name (for the logs kept under
// CHATD_TEST_OUT/cluster/). Returns {redis, redisUrl, nodes, databaseUrl, key, addNode(env),
// kill(i), restart(i), cleanup()}.
export async function startCluster(options = {}) {
  const databaseUrl = options.databaseUrl ?? freshPostgresUrl();
  const key = randomKey();
  const redis =
    options.redis === false
      ? null
      : await startRedis({ args: options.redisPassword ? ['--requirepass', options.redisPassword] : [] });
  const redisUrl =
    redis &&
    `redis://${options.redisPassword ? `:${encodeURIComponent(options.redisPassword)}@` : ''}127.0.0.1:${redis.port}` +
      (options.redisDb !== undefined ? `/${options.redisDb}` : '');
  const shared = mkdtempSync(join(tmpdir(), 'chatd-cluster-'));
  const baseEnv = {
    JWE_KEY: key,
    BLOB_STORE: `local:${join(shared, 'uploads')}`,
    ...(redis ? { REDIS_URL: redisUrl } : {}),
    ...options.env,
  };
  const cluster = {
    redis,
    redisUrl,
    nodes: [],
    databaseUrl,
    key,
    env: baseEnv,
    // One more node on the same database and Redis; env overrides (REDIS_URL: undefined drops it).
    async addNode(env = {}) {
      const merged = { ...baseEnv, ...env };
      for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
      const node = await startChatd({ database: databaseUrl, env: merged });
      track(node.child);
      node.env = merged;
      node.index = cluster.nodes.length;
      cluster.nodes.push(node);
      return node;
    },
    // SIGKILL: no goodbye to Redis, no clean disconnects.
    async kill(i) {
      await cluster.nodes[i].stop('SIGKILL');
    },
    // Node i started again (after kill(i); a running one is SIGKILLed first) on its port, with
    // its settings; the earlier runs' output stays in the kept logs.
    async restart(i) {
      const old = cluster.nodes[i];
      await old.stop('SIGKILL');
      await old.cleanup();
      let node;
      // Its port can be busy for a moment after the kill: retry a few times.
      for (let attempt = 0; !node; attempt++) {
        try {
          node = await startChatd({ database: databaseUrl, env: old.env, port: old.port });
        } catch (err) {
          if (attempt >= 20) throw err;
          await sleep(100);
        }
      }
      track(node.child);
      node.index = i;
      node.env = old.env;
      const earlier = old.output() + '\n--- restarted ---\n';
      const own = node.output;
      node.output = () => earlier + own();
      cluster.nodes[i] = node;
      return node;
    },
    async cleanup() {
      keepLogs(options.name, cluster);
      await Promise.all(cluster.nodes.map((n) => n.cleanup().catch(() => {})));
      await redis?.cleanup();
      rmSync(shared, { recursive: true, force: true });
    },
  };
  try {
    // One at a time: the first applies the migrations, and start-up logs stay readable.
    for (let i = 0; i < (options.nodes ?? 3); i++) await cluster.addNode();
  } catch (err) {
    await cluster.cleanup();
    throw err;
  }
  return cluster;
}

// Node and Redis output of a suite, for reading after a failure.
function keepLogs(name, cluster) {
  const out = process.env.CHATD_TEST_OUT;
  if (!out || !name) return;
  try {
    const dir = join(out, 'cluster');
    mkdirSync(dir, { recursive: true });
    const base = basename(name).replace(/\.test\.mjs$/, '');
    cluster.nodes.forEach((n, i) => writeFileSync(join(dir, `${base}-node${i + 1}.log`), n.output()));
    if (cluster.redis) writeFileSync(join(dir, `${base}-redis.log`), cluster.redis.output());
  } catch {}
}

// GET /ready as {status, body}.
export async function ready(node) {
  try {
    return await api(node, 'GET', '/ready');
  } catch (err) {
    return { status: 0, body: { error: String(err) } };
  }
}

// Ids listed by GET /api/users/online on a node.
export async function onlineIds(node, token) {
  const res = await api(node, 'GET', '/api/users/online', { token });
  if (res.status !== 200) throw new Error(`GET /api/users/online on ${node.url}: ${res.status} ${res.text}`);
  return res.body.data.map((u) => u.id).sort((a, b) => a - b);
}

// Polls an async check() (an HTTP call, say) every `every` ms until it returns something truthy.
export const until = (check, what, timeout = 5000, every = 50) => waitFor(check, what, timeout, every);

// Runs Redis commands on a fresh connection (RESP, no client library): commands is a list of
// argument lists; resolves with the list of replies (strings, numbers, arrays; errors as
// {error}). Options: password (AUTH first), db (SELECT first); their replies are left out.
export async function redisCommands(port, commands, { password, db } = {}) {
  const { connect } = await import('node:net');
  const all = [...(password ? [['AUTH', password]] : []), ...(db !== undefined ? [['SELECT', String(db)]] : []), ...commands];
  const skip = all.length - commands.length;
  const socket = connect(port, '127.0.0.1');
  let buf = Buffer.alloc(0);
  const replies = [];
  // Parses one reply at `at`; returns [value, next] or null if incomplete.
  const parse = (at) => {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return null;
    const type = String.fromCharCode(buf[at]);
    const line = buf.toString('utf8', at + 1, eol);
    const next = eol + 2;
    if (type === '+') return [line, next];
    if (type === '-') return [{ error: line }, next];
    if (type === ':') return [Number(line), next];
    if (type === '$') {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return null;
      return [buf.toString('utf8', next, next + n), next + n + 2];
    }
    if (type === '*') {
      const n = Number(line);
      const items = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const r = parse(pos);
        if (!r) return null;
        items.push(r[0]);
        pos = r[1];
      }
      return [items, pos];
    }
    throw new Error('unexpected RESP reply: ' + buf.toString('utf8', at, eol));
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('redis command timed out'));
    }, 5000);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const r = parse(0);
        if (!r) break;
        replies.push(r[0]);
        buf = buf.subarray(r[1]);
      }
      if (replies.length >= all.length) {
        clearTimeout(timer);
        socket.end();
        resolve(replies.slice(skip));
      }
    });
    socket.write(
      all.map((args) => `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')).join(''),
    );
  });
}

// Calls per command name from INFO commandstats (e.g. {publish: 3, evalsha: 12}).
export async function commandCalls(port, options) {
  const [info] = await redisCommands(port, [['INFO', 'commandstats']], options);
  const calls = {};
  for (const m of String(info).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[m[1]] = Number(m[2]);
  return calls;
}
