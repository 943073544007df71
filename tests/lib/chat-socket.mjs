// Socket.IO helpers shared by the /chat test files.
import { io } from 'socket.io-client';
import { startChatd } from './chatd.mjs';

// Transports a device can connect with:
//   'websocket'     WebSocket only
//   'upgrade'       long-polling first, then upgraded to WebSocket (resolves once connected)
//   'upgraded'      the same, but resolves only once the upgrade to WebSocket happened
//   'polling-only'  long-polling only, never upgraded
// Any other value (e.g. 'polling') means polling then WebSocket, like 'upgrade'.
const TRANSPORTS = {
  websocket: ['websocket'],
  upgrade: ['polling', 'websocket'],
  upgraded: ['polling', 'websocket'],
  'polling-only': ['polling'],
};

// Connects to /chat and records every event the socket receives in socket.received.
export async function connect(server, token, transport = 'websocket') {
  const socket = io(server.url + '/chat', {
    forceNew: true,
    reconnection: false,
    transports: TRANSPORTS[transport] ?? ['polling', 'websocket'],
    auth: { token },
  });
  socket.received = [];
  socket.onAny((event, ...args) => socket.received.push({ event, args }));
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  if (transport === 'upgraded' && socket.io.engine.transport.name !== 'websocket') {
    await new Promise((resolve) => socket.io.engine.once('upgrade', resolve));
  }
  return socket;
}

// The payloads of the `event` events a socket received (from connect()), optionally filtered.
export function eventsOf(socket, event, predicate = () => true) {
  return socket.received.filter((r) => r.event === event && predicate(r.args[0])).map((r) => r.args[0]);
}

// The online flags announced in `presence` events for userId, in order.
export function presenceOf(socket, userId) {
  return eventsOf(socket, 'presence', (p) => p.userId === userId).map((p) => p.online);
}

// Polls check() (sync or async) every `every` ms until it returns something truthy; returns that.
export async function waitFor(check, what, timeout = 5000, every = 10) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

// A client as an application makes it for connection-state recovery: reconnection on (the
// default), so that its Manager reconnects this same Socket, which keeps the pid and the last
// offset; a fixed delay (ms) for the tests. Records every event in socket.received.
export async function recoveringClient(server, token, delay = 300) {
  const socket = io(server.url + '/chat', {
    forceNew: true,
    transports: ['websocket'],
    auth: { token },
    reconnectionDelay: delay,
    reconnectionDelayMax: delay,
    randomizationFactor: 0,
  });
  socket.received = [];
  socket.onAny((event, ...args) => socket.received.push({ event, args }));
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

// Cuts the transport (as a network loss would) and resolves at the next 'connect'.
export function cutAndAwaitReconnect(socket) {
  const back = new Promise((resolve) => socket.once('connect', resolve));
  socket.io.engine.close();
  return back;
}

// The ids of the stored-message events a socket received, in arrival order, checking on the way
// that each carries its id as a decimal string as its last argument (the offset).
export function storedIds(socket) {
  return socket.received
    .filter((r) => ['public_message', 'private_message', 'group_message', 'image_sent'].includes(r.event))
    .map((r) => {
      if (r.args.length !== 2 || r.args[1] !== String(r.args[0]?.id))
        throw new Error(`${r.event} without its offset as last argument: ${JSON.stringify(r.args)}`);
      return r.args[0].id;
    });
}

// public_message {message, ...extra} with an ack; throws unless it is {id, createdAt}.
export async function sendPublic(socket, text, extra = {}) {
  const ack = await socket.timeout(5000).emitWithAck('public_message', { message: text, ...extra });
  if (typeof ack?.id !== 'number') throw new Error('public_message not stored: ' + JSON.stringify(ack));
  return ack;
}

// What one test file starts, stopped by cleanup() (call it from after()): start(env, options)
// runs chatd (startChatd, with the message rate limit off unless env sets it), client(server,
// token, delay) makes a recoveringClient, sockets(server, ...users) connects one socket per user,
// track(...sockets) adds sockets made otherwise.
export function testScope() {
  const servers = [];
  const sockets = [];
  return {
    async start(env = {}, options = {}) {
      const server = await startChatd({ env: { MESSAGE_RATE_PER_SECOND: '0', ...env }, ...options });
      servers.push(server);
      return server;
    },
    async client(server, token, delay) {
      const socket = await recoveringClient(server, token, delay);
      sockets.push(socket);
      return socket;
    },
    track(...more) {
      sockets.push(...more);
    },
    // A connected socket per user (users may repeat: several devices), closed by cleanup().
    async sockets(server, ...users) {
      const out = [];
      for (const u of users) out.push(await connect(server, u.token));
      sockets.push(...out);
      return out;
    },
    async cleanup() {
      for (const s of sockets) s.close();
      for (const s of servers) await s.cleanup();
    },
  };
}
