// chatd out of file descriptors (ulimit -n 300). Before: MAX_CONNECTIONS (50,000) was far over
// the open-file limit, and when accept() failed with EMFILE chatd retried at once: ~95 % of a
// core and millions of identical log lines a minute, /health unanswered. Now MAX_CONNECTIONS is
// lowered at start to fit the limit (one warning), and when descriptors run out anyway (here:
// uploads in progress each hold a file as well as their connection) accepting pauses with a
// backoff, logged once every 10 s with a count, and resumes once descriptors are free again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChatd, registerAndLogin, api } from '../lib/chatd.mjs';
import { connect } from '../lib/chat-socket.mjs';
import { png } from '../lib/images.mjs';
import { cpuSeconds, openDescriptors, metric, sleep } from '../lib/measure.mjs';

const FD_LIMIT = 300;
const UPLOADS = 150;
const IDLE = 80;
const bin = process.env.CHATD_BIN ?? new URL('../../build/test/src/chatd', import.meta.url).pathname;

// A PNG header (100 x 100) and filler: enough for chatd to name the image, open its file and
// write the first 256 KiB. The declared body is longer, so the upload then waits for the rest.
function stalledUpload(port, token, localAddress) {
  const boundary = 'edgeboundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n` +
      'Content-Type: image/png\r\n\r\n',
  );
  const sent = Buffer.concat([head, png(100, 100, 300 * 1024)]);
  const sock = net.connect({ port, host: '127.0.0.1', localAddress });
  sock.on('error', () => {});
  sock.on('connect', () => {
    sock.write(
      `POST /api/chat/send-image HTTP/1.1\r\nHost: chatd\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${sent.length + 1024 * 1024}\r\n\r\n`,
    );
    sock.write(sent);
  });
  return sock;
}

test('out of descriptors: accepting pauses (low CPU, few log lines) and resumes when they are free', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chatd-ulimit-'));
  const wrapper = join(dir, 'chatd-ulimit.sh');
  writeFileSync(wrapper, `#!/bin/sh\nulimit -n ${FD_LIMIT} || exit 1\nexec '${bin}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  const server = await startChatd({ bin: wrapper });
  const held = [];
  try {
    const pid = server.child.pid;
    const startWarnings = server.output().split('\n').filter((l) => l.includes('MAX_CONNECTIONS 10000 lowered to'));
    assert.equal(startWarnings.length, 1, server.output());
    console.log(startWarnings[0].replace(/^.*\[warning\] /, ''));

    const user = await registerAndLogin(server);
    const chatting = await connect(server, user.token, 'websocket');
    const baseline = openDescriptors(pid);
    const logBefore = server.output().split('\n').length;

    for (let i = 0; i < UPLOADS; i++) held.push(stalledUpload(server.port, user.token, `127.0.7.${1 + (i % 50)}`));
    await sleep(1500);
    for (let i = 0; i < IDLE; i++) {
      const s = net.connect({ port: server.port, host: '127.0.0.1', localAddress: `127.0.8.${1 + (i % 50)}` });
      s.on('error', () => {});
      held.push(s);
    }
    // On a loaded machine the uploads reach their files at their own pace: wait (bounded) until
    // the descriptors are used up, rather than a fixed time. (No request to chatd here: it would
    // need a descriptor.)
    let exhausted = openDescriptors(pid);
    for (const until = Date.now() + 10000; exhausted < FD_LIMIT - 5 && Date.now() < until; ) {
      await sleep(100);
      exhausted = Math.max(exhausted, openDescriptors(pid));
    }

    // Exhausted: measure what chatd does with connections waiting that it cannot accept.
    const cpuBefore = cpuSeconds(pid);
    const t0 = Date.now();
    // The connected client still chats: nothing it needs takes a new descriptor.
    const sent = performance.now();
    const ack = await chatting.timeout(3000).emitWithAck('public_message', 'still here');
    const ackMs = performance.now() - sent;
    await sleep(3000);
    const cpuShare = (cpuSeconds(pid) - cpuBefore) / ((Date.now() - t0) / 1000);
    // Every line since the attack began.
    const newLines = server.output().split('\n').slice(logBefore - 1).filter((l) => l.trim());
    const acceptLines = newLines.filter((l) => l.includes('accept failed'));

    // Give the descriptors back; a new client is served again.
    for (const s of held) s.destroy();
    const released = Date.now();
    let resumedMs;
    for (;;) {
      const res = await fetch(server.url + '/health', { signal: AbortSignal.timeout(3000) }).catch(() => null);
      if (res?.status === 200) {
        resumedMs = Date.now() - released;
        break;
      }
      assert.ok(Date.now() - released < 5000, 'chatd serves new connections again');
    }
    const failures = await metric(server, 'chatd_accept_failures_total');
    const again = await registerAndLogin(server);
    const socket = await connect(server, again.token, 'websocket');
    const after = await socket.timeout(3000).emitWithAck('public_message', 'back');
    socket.close();
    chatting.close();

    console.log(
      `descriptors: ${baseline} at rest, ${exhausted} of ${FD_LIMIT} under attack; over 3 s exhausted: ` +
        `CPU ${(cpuShare * 100).toFixed(1)} % of a core; ${newLines.length} log lines in all ` +
        `(${acceptLines.length} about accept), ${failures} failed accepts in all; an ack took ` +
        `${ackMs.toFixed(1)} ms; served again ${resumedMs} ms after the descriptors were freed`,
    );
    assert.ok(exhausted >= FD_LIMIT - 5, `${exhausted} descriptors open: the limit was reached`);
    assert.ok(failures > 0 && acceptLines.length > 0, 'accept failed for want of descriptors');
    assert.ok(cpuShare < 0.2, `CPU ${(cpuShare * 100).toFixed(1)} %`);
    assert.ok(acceptLines.length <= 2, acceptLines.join('\n')); // one, then one per 10 s
    assert.ok(newLines.length <= 10, newLines.join('\n'));
    assert.ok(failures < 100, `${failures} failed accepts: a backoff, not a spin`);
    assert.ok(ack.id, JSON.stringify(ack));
    assert.ok(resumedMs < 3000, `served again after ${resumedMs} ms`);
    assert.ok(after.id, JSON.stringify(after));
    assert.equal((await api(server, 'GET', '/health')).status, 200);
  } finally {
    for (const s of held) s.destroy();
    await server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
