// Shared helpers of the interop tests: a chatd in conformance mode (the namespaces of the
// official Socket.IO test suite plus echo/join/broadcast/ask/disconnect-me hooks, and a bare
// Engine.IO echo server on /engine.io/), and small promise wrappers around clients.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { io } from 'socket.io-client';
import { startChatd } from '../lib/chatd.mjs';

// The timings the official suites use: heartbeats fail fast.
export const PING_INTERVAL = 300;
export const PING_TIMEOUT = 200;

export function startConformance(env = {}, options = {}) {
  return startChatd({
    ...options,
    env: {
      CHATD_CONFORMANCE: '1',
      PING_INTERVAL_MS: String(PING_INTERVAL),
      PING_TIMEOUT_MS: String(PING_TIMEOUT),
      CONNECT_TIMEOUT_MS: '1000',
      ...env,
    },
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The next `event` from an EventEmitter-like (socket.io, engine.io-client, ws), as an array
// of its arguments; rejects after `timeout` ms.
export function once(emitter, event, timeout = 3000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      reject(new Error(`no "${event}" within ${timeout} ms`));
    }, timeout);
    const handler = (...args) => {
      clearTimeout(timer);
      resolve(args);
    };
    emitter.once(event, handler);
  });
}

// Resolves once predicate() holds, polling every 10 ms.
export async function until(predicate, timeout = 3000, what = 'condition') {
  const deadline = Date.now() + timeout;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

// A socket.io-client socket that does not reconnect, already connected.
export async function connect(url, options = {}) {
  const socket = io(url, { forceNew: true, reconnection: false, ...options });
  try {
    await Promise.race([
      once(socket, 'connect'),
      once(socket, 'connect_error').then(([err]) => Promise.reject(err)),
    ]);
  } catch (err) {
    socket.disconnect();
    throw err;
  }
  return socket;
}

// Emits with an ack and resolves with every argument of the answer.
export function request(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(4000).emit(event, ...args, (err, ...reply) => (err ? reject(err) : resolve(reply)));
  });
}

// Binary arrives as Buffer or ArrayBuffer depending on the transport: compare as Buffers.
export function toBuffers(value) {
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map(toBuffers);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toBuffers(v)]));
  }
  return value;
}

// A raw WebSocket that queues what it receives: next() resolves with the next message (text as
// a string, binary as a Buffer), closed resolves with {code, at} when the socket closes.
export function rawSocket(url) {
  const ws = new WebSocket(url);
  const queue = [];
  const waiters = [];
  ws.on('message', (data, isBinary) => {
    const msg = isBinary ? Buffer.from(data) : data.toString();
    const waiter = waiters.shift();
    if (waiter) waiter(msg);
    else queue.push(msg);
  });
  ws.on('error', () => {});
  const closed = new Promise((resolve) => ws.on('close', (code) => resolve({ code, at: Date.now() })));
  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => reject(Object.assign(new Error('refused'), { status: res.statusCode, body })));
    });
    ws.once('close', () => reject(new Error('closed before open')));
  });
  opened.catch(() => {});
  return {
    ws,
    opened,
    closed,
    send: (data) => ws.send(data),
    next(timeout = 3000) {
      if (queue.length) return Promise.resolve(queue.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message within ' + timeout + ' ms')), timeout);
        waiters.push((msg) => {
          clearTimeout(timer);
          resolve(msg);
        });
      });
    },
    // Next message that is not an engine.io ping.
    async nextData(timeout = 3000) {
      for (;;) {
        const msg = await this.next(timeout);
        if (msg !== '2') return msg;
      }
    },
    close: () => ws.close(),
  };
}

// A raw socket.io connection over WebSocket, connected to "/" (CONNECT answered and the
// conformance server's "auth" event read). Answers pings so that it stays up.
export async function rawSocketIo(baseUrl) {
  const s = rawSocket(baseUrl.replace('http', 'ws') + '/socket.io/?EIO=4&transport=websocket');
  await s.opened;
  const open = await s.next();
  if (!open.startsWith('0')) throw new Error('no open packet: ' + open);
  s.ws.on('message', (data, isBinary) => {
    if (!isBinary && data.toString() === '2') s.ws.send('3');
  });
  s.send('40');
  const connected = await s.nextData();
  if (!connected.startsWith('40')) throw new Error('no CONNECT answer: ' + connected);
  await s.nextData();  // 42["auth",{}]
  return s;
}

// A WebSocket client made by hand over plain TCP, for tests that need control over reading
// (the ws package always reads). Resolves once the 101 answer has arrived.
export function handmadeWebSocket(port, path) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.on('error', reject);
    let head = '';
    const onData = (d) => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        sock.off('data', onData);
        if (!head.startsWith('HTTP/1.1 101')) reject(new Error('no upgrade: ' + head));
        else resolve(sock);
      }
    };
    sock.on('data', onData);
    sock.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

// One masked client text frame (RFC 6455 §5.2), for handmadeWebSocket.
export function textFrame(text) {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  let header;
  if (payload.length < 126) header = Buffer.from([0x81, 0x80 | payload.length]);
  else if (payload.length < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x81;
    header[1] = 0x80 | 126;
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  const masked = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = payload[i] ^ mask[i % 4];
  return Buffer.concat([header, mask, masked]);
}

// A metric's value from /metrics (first sample of that name), or NaN.
export async function metric(server, name) {
  const text = await (await fetch(server.url + '/metrics')).text();
  const m = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}
