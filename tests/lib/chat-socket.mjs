// Socket.IO helpers shared by the /chat test files.
import { io } from 'socket.io-client';

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
