// Socket.IO helpers shared by the /chat test files.
import { io } from 'socket.io-client';

// Connects to /chat and records every event the socket receives in socket.received.
export async function connect(server, token, transport = 'websocket') {
  const socket = io(server.url + '/chat', {
    forceNew: true,
    reconnection: false,
    transports: transport === 'websocket' ? ['websocket'] : ['polling', 'websocket'],
    auth: { token },
  });
  socket.received = [];
  socket.onAny((event, ...args) => socket.received.push({ event, args }));
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

// Polls check() until it returns something truthy.
export async function waitFor(check, what, timeout = 5000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const result = check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 10));
  }
}
