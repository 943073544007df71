// A stand-in for the original NestJS + Socket.IO 4 chat backend, for bench/compare.sh: the same wire
// contract as chatd on the paths the benchmarks use, built the way the original was (Socket.IO 4's
// server and adapter, jose JWE tokens, one INSERT per message through a pg pool as Prisma's
// message.create did). No NestJS layers: those would only make the reference slower.
//
// Environment: PORT (3002), HOST (127.0.0.1), DATABASE_URL (postgresql://..., required),
// JWE_KEY (base64url of 32 bytes; random when unset), PG_POOL_SIZE (10),
// CONNECTION_STATE_RECOVERY (1; 0 turns Socket.IO's connection state recovery off).
//
// REST: POST /api/auth/register, POST /api/auth/login, GET /health, and the histories the
// recover benchmark reads back: GET /api/chat/public, GET /api/chat/private/:from/:to
// (page, perPage, before; newest first).
// Socket.IO: namespace /chat, handshake auth (auth.token or the Authorization header), rooms
// public_room and user:<id>, events public_message, private_message, join_room. Connection state
// recovery as Socket.IO 4.6+ offers it (in memory, 2 minutes, middlewares run again): the CONNECT
// answer carries a pid and every broadcast its offset as the last argument; a process that dies
// loses it all, which is what the recover benchmark shows.
import { createServer } from 'node:http';
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { EncryptJWT, jwtDecrypt, base64url } from 'jose';
import pg from 'pg';
import { Server } from 'socket.io';

const scryptAsync = promisify(scrypt);
const port = Number(process.env.PORT ?? 3002);
const host = process.env.HOST ?? '127.0.0.1';
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl?.startsWith('postgres')) {
  console.error('DATABASE_URL: expected postgresql://...');
  process.exit(1);
}
const key = process.env.JWE_KEY ? base64url.decode(process.env.JWE_KEY) : randomBytes(32);
const tokenTtl = 86400;
const maxLength = 4000;

const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.PG_POOL_SIZE ?? 10) });

// The original's Prisma schema, in the column names Prisma gives them.
await pool.query(`
  CREATE TABLE IF NOT EXISTS "User" (
    id SERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL UNIQUE,
    password TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
  );
  CREATE TABLE IF NOT EXISTS "Message" (
    id SERIAL PRIMARY KEY,
    content TEXT NOT NULL,
    "blobUrl" TEXT,
    "isPublic" BOOLEAN NOT NULL DEFAULT true,
    "senderId" INTEGER NOT NULL REFERENCES "User"(id) ON DELETE CASCADE,
    "recipientId" INTEGER REFERENCES "User"(id) ON DELETE CASCADE,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
  );`);

// ---- passwords and tokens ----
// scrypt from node:crypto: argon2 packages need native install scripts, which the benchmarks do
// not run (npm ci --ignore-scripts). Hashing only affects the set-up, never a measured figure.
async function hashPassword(password) {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32, { N: 16384, r: 8, p: 1 });
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

async function verifyPassword(stored, password) {
  const [, salt, hash] = stored.split('$');
  const expected = Buffer.from(hash, 'base64');
  const got = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, {
    N: 16384,
    r: 8,
    p: 1,
  });
  return timingSafeEqual(expected, got);
}

async function issueToken(user) {
  return new EncryptJWT({ sub: user.id, username: user.username })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt()
    .setExpirationTime(`${tokenTtl}s`)
    .encrypt(key);
}

async function verifyToken(token) {
  const { payload } = await jwtDecrypt(token, key);
  return payload;
}

// ---- REST ----
function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function fail(res, status, message) {
  const error = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict' }[status];
  send(res, status, { success: false, statusCode: status, code: status, error, message });
}

// A refusal with its status, answered by the route dispatcher.
class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 1e6) reject(new Error('too large'));
      else chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

function userJson(row) {
  return { id: row.id, email: row.email, username: row.username, createdAt: row.createdAt, updatedAt: row.updatedAt, profile: null };
}

async function register(req, res) {
  const body = await readJson(req);
  const { email, password, username } = body;
  if (typeof email !== 'string' || typeof password !== 'string' || typeof username !== 'string' || password.length < 8)
    return fail(res, 400, ['email, password (8+ characters) and username are required']);
  const hash = await hashPassword(password);
  try {
    const { rows } = await pool.query(
      'INSERT INTO "User" (email, username, password) VALUES ($1, $2, $3) RETURNING id, email, username, "createdAt", "updatedAt"',
      [email.toLowerCase(), username, hash],
    );
    send(res, 201, { success: true, message: 'User registered successfully', data: { user: userJson(rows[0]) } });
  } catch (e) {
    if (e.code === '23505') return fail(res, 409, e.constraint?.includes('email') ? 'Email already exists' : 'Username already exists');
    throw e;
  }
}

async function login(req, res) {
  const { email, password } = await readJson(req);
  if (typeof email !== 'string' || typeof password !== 'string') return fail(res, 400, ['email and password are required']);
  const { rows } = await pool.query('SELECT * FROM "User" WHERE email = $1', [email.toLowerCase()]);
  if (rows.length === 0 || !(await verifyPassword(rows[0].password, password))) return fail(res, 401, 'Invalid credentials');
  send(res, 201, { access_token: await issueToken(rows[0]), expires_in: tokenTtl, user: userJson(rows[0]) });
}

// ---- histories (as chatd's: newest first; page/perPage, or before=<id>) ----
async function caller(req) {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !/^bearer /i.test(header)) throw new HttpError(401, 'Unauthorized');
  try {
    return await verifyToken(header.slice(7));
  } catch {
    throw new HttpError(401, 'Unauthorized');
  }
}

function positiveQuery(query, name, fallback) {
  if (!query.has(name)) return fallback;
  const v = Number(query.get(name));
  if (!Number.isInteger(v) || v <= 0) throw new HttpError(400, `${name} must be a positive integer`);
  return v;
}

function messageJson(row) {
  return {
    id: row.id,
    content: row.content,
    blobUrl: row.blobUrl,
    isPublic: row.isPublic,
    senderId: row.senderId,
    recipientId: row.recipientId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    sender: { id: row.senderId, username: row.username },
  };
}

// One page of the messages matching `where` (SQL over "Message" m, with `params`).
async function history(res, url, where, params) {
  const page = positiveQuery(url.searchParams, 'page', 1);
  const perPage = positiveQuery(url.searchParams, 'perPage', 10);
  if (perPage > 100) throw new HttpError(400, 'perPage must not be greater than 100');
  const before = positiveQuery(url.searchParams, 'before', null);
  const args = [...params];
  let filter = where;
  if (before !== null) {
    args.push(before);
    filter += ` AND m.id < $${args.length}`;
  }
  args.push(perPage, before !== null ? 0 : (page - 1) * perPage);
  const { rows } = await pool.query(
    `SELECT m.*, u.username FROM "Message" m JOIN "User" u ON u.id = m."senderId"
     WHERE ${filter} ORDER BY m.id DESC LIMIT $${args.length - 1} OFFSET $${args.length}`,
    args,
  );
  const { rows: [{ total }] } = await pool.query(`SELECT count(*)::int AS total FROM "Message" m WHERE ${where}`, params);
  send(res, 200, {
    meta: {
      totalItems: total,
      currentPage: before !== null ? 1 : page,
      itemCount: rows.length,
      itemsPerPage: perPage,
      totalPages: Math.ceil(total / perPage),
    },
    message: 'Messages retrieved successfully',
    data: rows.map(messageJson),
  });
}

async function publicHistory(req, res, url) {
  await caller(req);
  await history(res, url, 'm."isPublic"', []);
}

async function privateHistory(req, res, url, [from, to]) {
  const me = await caller(req);
  const [a, b] = [from, to].map((v, i) => {
    const id = Number(v);
    if (!Number.isInteger(id) || id <= 0) throw new HttpError(400, `${i ? 'to' : 'from'} must be a positive integer`);
    return id;
  });
  if (me.sub !== a && me.sub !== b) throw new HttpError(403, 'You can only read your own conversations');
  await history(
    res,
    url,
    'NOT m."isPublic" AND ((m."senderId" = $1 AND m."recipientId" = $2) OR (m."senderId" = $2 AND m."recipientId" = $1))',
    [a, b],
  );
}

const routes = [
  ['POST', /^\/api\/auth\/register$/, register],
  ['POST', /^\/api\/auth\/login$/, login],
  ['GET', /^\/health$/, async (_q, r) => send(r, 200, { status: 'ok' })],
  ['GET', /^\/api\/chat\/public$/, publicHistory],
  ['GET', /^\/api\/chat\/private\/([^/]+)\/([^/]+)$/, privateHistory],
];

const httpServer = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  let handler;
  let match;
  for (const [method, pattern, fn] of routes) {
    if (method === req.method && (match = pattern.exec(url.pathname))) {
      handler = fn;
      break;
    }
  }
  if (!handler) return fail(res, 404, `Cannot ${req.method} ${req.url}`);
  handler(req, res, url, match.slice(1)).catch((e) => {
    if (res.headersSent) return;
    if (e instanceof HttpError) fail(res, e.status, e.message);
    else if (e instanceof SyntaxError) fail(res, 400, 'Invalid JSON');
    else fail(res, 500, 'Internal server error');
  });
});

// ---- Socket.IO ----
const recovery = process.env.CONNECTION_STATE_RECOVERY !== '0';
const io = new Server(httpServer, {
  cors: { origin: true },
  ...(recovery && { connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: false } }),
});
const chat = io.of('/chat');

chat.use(async (socket, next) => {
  try {
    let token = socket.handshake.auth?.token ?? socket.handshake.headers.authorization;
    if (typeof token !== 'string') throw new Error('no token');
    if (/^bearer /i.test(token)) token = token.slice(7);
    const payload = await verifyToken(token);
    const { rows } = await pool.query('SELECT id, username FROM "User" WHERE id = $1', [payload.sub]);
    if (rows.length === 0) throw new Error('unknown user');
    socket.data.user = rows[0];
    next();
  } catch {
    next(new Error('Unauthorized'));
  }
});

class ChatError extends Error {}

function validText(value) {
  if (typeof value !== 'string' || value.trim() === '') throw new ChatError('message must be a non-empty string');
  if (value.length > maxLength) throw new ChatError(`message must be at most ${maxLength} characters`);
  return value;
}

function positiveId(value, name) {
  const id = Number(value);
  if (!Number.isInteger(id) || id <= 0) throw new ChatError(`${name} must be a positive integer`);
  return id;
}

// Runs a handler; errors become an `exception` event (and the ack's answer), as the original did.
function handle(socket, fn) {
  return async (payload, ack) => {
    try {
      const result = await fn(payload);
      if (typeof ack === 'function') ack(result);
    } catch (e) {
      const body = { status: 'error', message: e instanceof ChatError ? e.message : 'Internal server error' };
      socket.emit('exception', body);
      if (typeof ack === 'function') ack(body);
    }
  };
}

chat.on('connection', (socket) => {
  const user = socket.data.user;
  socket.join(['public_room', `user:${user.id}`]);

  socket.on(
    'public_message',
    handle(socket, async (payload) => {
      const text = validText(typeof payload === 'string' ? payload : payload?.message);
      const { rows } = await pool.query(
        'INSERT INTO "Message" (content, "isPublic", "senderId") VALUES ($1, true, $2) RETURNING id, "createdAt"',
        [text, user.id],
      );
      const m = rows[0];
      chat.to('public_room').emit('public_message', {
        sender: user.id,
        message: text,
        id: m.id,
        senderId: user.id,
        username: user.username,
        createdAt: m.createdAt,
      });
      return { id: m.id, createdAt: m.createdAt };
    }),
  );

  socket.on(
    'private_message',
    handle(socket, async (payload) => {
      if (typeof payload !== 'object' || payload === null) throw new ChatError('payload must be an object {recipientId, message}');
      const recipientId = positiveId(payload.recipientId, 'recipientId');
      if (recipientId === user.id) throw new ChatError('cannot send a private message to yourself');
      const text = validText(payload.message);
      let m;
      try {
        ({ rows: [m] } = await pool.query(
          'INSERT INTO "Message" (content, "isPublic", "senderId", "recipientId") VALUES ($1, false, $2, $3) RETURNING id, "createdAt"',
          [text, user.id, recipientId],
        ));
      } catch (e) {
        if (e.code === '23503') throw new ChatError('recipient not found');
        throw e;
      }
      const room = `${Math.min(user.id, recipientId)}_${Math.max(user.id, recipientId)}`;
      socket.to([room, `user:${user.id}`, `user:${recipientId}`]).emit('private_message', {
        senderId: user.id,
        message: text,
        id: m.id,
        recipientId,
        username: user.username,
        createdAt: m.createdAt,
      });
      return { id: m.id, createdAt: m.createdAt };
    }),
  );

  socket.on(
    'join_room',
    handle(socket, async (payload) => {
      const peer = positiveId(payload?.recipientId, 'recipientId');
      const room = `${Math.min(user.id, peer)}_${Math.max(user.id, peer)}`;
      socket.join(room);
      return { room };
    }),
  );
});

httpServer.listen(port, host, () => {
  console.log(`reference listening on ${host}:${httpServer.address().port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    io.close();
    pool.end().finally(() => process.exit(0));
  });
}
