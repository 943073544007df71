// The reference: the Node Socket.IO server (npm socket.io, the version in tests/package.json)
// in this test process, set up like chatd's conformance mode (the namespaces the parity tests
// use), so that a test can run the same probe against both and compare what each answers.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

// Options: pingInterval, pingTimeout, maxHttpBufferSize, allowEIO3, parser.
export async function startReference(options = {}) {
  const http = createServer();
  const io = new Server(http, { serveClient: false, ...options });
  const setup = (socket) => {
    socket.emit('auth', socket.handshake.auth);
    socket.on('echo', (...args) => {
      const ack = typeof args.at(-1) === 'function' ? args.pop() : null;
      if (ack) ack(...args);
      else socket.emit('echo', ...args);
    });
    // As chatd's conformance namespaces: the server ends this socket, with true the connection.
    socket.on('disconnect-me', (close) => socket.disconnect(close === true));
  };
  io.of('/').on('connection', setup);
  io.of('/custom').on('connection', setup);
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${http.address().port}`,
    io,
    async cleanup() {
      io.disconnectSockets(true);
      await new Promise((resolve) => io.close(() => resolve()));
    },
  };
}
