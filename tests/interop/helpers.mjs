// Shared helpers of the interop tests: a chatd in conformance mode (the namespaces of the
// official Socket.IO test suite plus echo/join/broadcast/ask/disconnect-me hooks, and a bare
// Engine.IO echo server on /engine.io/), and small promise wrappers around clients.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { io } from 'socket.io-client';
import { startChatd } from '../lib/chatd.mjs';

export { metric } from '../lib/measure.mjs';

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
      HANDSHAKE_TIMEOUT_MS: '1000',
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
// (the ws package always reads) or over every bit of a frame. Resolves once the 101 answer has
// arrived, with the socket paused and whatever followed the answer (the first frames) put back
// to be read.
export function handmadeWebSocket(port, path) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.on('error', reject);
    let head = Buffer.alloc(0);
    const onData = (d) => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      sock.off('error', reject);
      sock.pause();
      const answer = head.subarray(0, end).toString('latin1');
      if (!answer.startsWith('HTTP/1.1 101')) return reject(new Error('no upgrade: ' + answer));
      if (head.length > end + 4) sock.unshift(head.subarray(end + 4));
      resolve(sock);
    };
    sock.on('data', onData);
    sock.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

// One client frame (RFC 6455 §5.2), masked with a random key. The options can break the rules
// on purpose: fin, rsv (the three bits, 0-7), mask: false, lengthForm 16 or 64 (a longer length
// field than the payload needs), length (the value written in the length field).
export function clientFrame(opcode, payload = '', options = {}) {
  const { fin = true, rsv = 0, mask = true, lengthForm, length } = options;
  const data = Buffer.from(payload);
  const declared = BigInt(length ?? data.length);
  const form = lengthForm ?? (declared < 126n ? 7 : declared < 65536n ? 16 : 64);
  const header = Buffer.alloc(form === 7 ? 2 : form === 16 ? 4 : 10);
  header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  const maskBit = mask ? 0x80 : 0;
  if (form === 7) header[1] = maskBit | Number(declared);
  else if (form === 16) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(Number(declared), 2);
  } else {
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(declared, 2);
  }
  if (!mask) return Buffer.concat([header, data]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i] ^ key[i % 4];
  return Buffer.concat([header, key, masked]);
}

// One masked client text frame, for handmadeWebSocket.
export const textFrame = (text) => clientFrame(0x1, text);

// Reads the server's frames from a handmadeWebSocket (which it resumes): next() resolves with
// the next {fin, rsv, opcode, payload}; ended resolves once the server closed the TCP
// connection.
export function serverFrames(sock) {
  let buffered = Buffer.alloc(0);
  const frames = [];
  const waiters = [];
  let ended = false;
  const settle = () => {
    while (waiters.length && (frames.length || ended)) {
      const { resolve, reject, timer } = waiters.shift();
      clearTimeout(timer);
      if (frames.length) resolve(frames.shift());
      else reject(new Error('connection ended'));
    }
  };
  sock.on('data', (d) => {
    buffered = Buffer.concat([buffered, d]);
    for (;;) {
      if (buffered.length < 2) break;
      let length = buffered[1] & 0x7f;
      let at = 2;
      if (length === 126) {
        if (buffered.length < 4) break;
        length = buffered.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (buffered.length < 10) break;
        length = Number(buffered.readBigUInt64BE(2));
        at = 10;
      }
      if (buffered[1] & 0x80) throw new Error('a server frame must not be masked');
      if (buffered.length < at + length) break;
      frames.push({
        fin: (buffered[0] & 0x80) !== 0,
        rsv: (buffered[0] >> 4) & 7,
        opcode: buffered[0] & 0x0f,
        payload: buffered.subarray(at, at + length),
      });
      buffered = buffered.subarray(at + length);
    }
    settle();
  });
  const endedPromise = new Promise((resolve) => {
    const done = () => {
      ended = true;
      settle();
      resolve();
    };
    sock.on('end', done);
    sock.on('close', done);
  });
  sock.on('error', () => {});
  sock.resume();
  return {
    ended: endedPromise,
    next(timeout = 3000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.findIndex((w) => w.resolve === resolve);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`no frame within ${timeout} ms`));
        }, timeout);
        waiters.push({ resolve, reject, timer });
        settle();
      });
    },
  };
}
