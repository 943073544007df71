// The Socket.IO connection to /chat: connects with the session's token, reports when it comes
// and goes, forwards server events, sends with acks, and reconnects where socket.io-client
// does not (the server dropped us, or refused the handshake while our token is still good).
import { io } from '/vendor/socket.io/socket.io.esm.min.js';
import { socketioPath } from '../server-config.js';
import { ApiError, session } from '../api.js';
import * as rest from './rest.js';

const ACK_TIMEOUT_MS = 15000;

// onStatus('connected' | 'disconnected' | 'unreachable' | 'refused');
// events: {eventName: handler} for server events; onException(message) for server errors that
// no failed ack of ours has already reported.
export function connect({ onStatus, events, onException }) {
  const socket = io('/chat', {
    path: socketioPath,
    auth: (cb) => cb({ token: session.token }),
    reconnectionDelayMax: 5000,
  });
  let connected = false;
  let everConnected = false;
  let stopped = false;
  let lastAckError = null;

  socket.on('connect', () => {
    connected = true;
    onStatus('connected');
    everConnected = true;
  });
  socket.on('disconnect', (reason) => {
    connected = false;
    onStatus('disconnected');
    if (reason === 'io server disconnect' && !stopped) setTimeout(() => socket.connect(), 1000);
  });
  socket.on('connect_error', async () => {
    connected = false;
    if (socket.active) return onStatus('unreachable');
    // Refused by the server: an expired token ends the session (api() reports the 401).
    onStatus('refused');
    try {
      await rest.profile();
      if (!stopped) setTimeout(() => !stopped && socket.connect(), 3000);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401) && !stopped) setTimeout(() => socket.connect(), 3000);
    }
  });
  for (const [name, handler] of Object.entries(events)) socket.on(name, handler);
  socket.on('exception', (e) => {
    // A failed send already shows its error on the message: wait for its ack, then skip it.
    setTimeout(() => {
      const ack = lastAckError;
      if (ack && ack.message === e?.message && Date.now() - ack.at < 2000) return;
      onException(e?.message);
    }, 300);
  });

  return {
    get connected() {
      return connected;
    },
    // Whether we were connected before: a reconnect catches up, and a blip is not worth a banner.
    get everConnected() {
      return everConnected;
    },
    // Whether the last connection got the session back (connection-state recovery): what was
    // missed has been replayed, nothing to catch up.
    get recovered() {
      return socket.recovered === true;
    },
    // done({ok: true, id, createdAt}) when stored, else done({ok: false, disconnected}) when the
    // connection went before the answer (it may or may not be stored), done({ok: false,
    // timedOut}), or done({ok: false, message}) with the server's reason.
    send(event, payload, done) {
      socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (err, res) => {
        if (err && !socket.connected) return done({ ok: false, disconnected: true });
        if (err) return done({ ok: false, timedOut: true });
        if (!res || res.status === 'error' || res.id == null) {
          lastAckError = { message: res?.message, at: Date.now() };
          return done({ ok: false, message: res?.message });
        }
        done({ ok: true, id: res.id, createdAt: res.createdAt });
      });
    },
    emit(event, payload) {
      socket.emit(event, payload, () => {});
    },
    // done(answer), or done(null) when none came (timeout, connection lost). An error answer
    // is the caller's to show: the exception that comes with it is not shown again.
    request(event, payload, done) {
      socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (err, res) => {
        if (!err && res?.status === 'error') lastAckError = { message: res.message, at: Date.now() };
        done(err ? null : res);
      });
    },
    stop() {
      stopped = true;
      socket.disconnect();
      socket.removeAllListeners();
    },
  };
}
