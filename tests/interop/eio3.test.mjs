// Engine.IO v3 / Socket.IO v2 on the wire (ALLOW_EIO3), side by side with the Node server
// (npm socket.io with allowEIO3): the same raw requests must get the same answers, byte for byte
// where nothing random is in them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConformance, PING_INTERVAL, PING_TIMEOUT, rawSocket } from './helpers.mjs';
import { startReference } from '../lib/reference-server.mjs';

let chatd;
let node;
before(async () => {
  chatd = await startConformance({ ALLOW_EIO3: '1' });
  node = await startReference({ pingInterval: PING_INTERVAL, pingTimeout: PING_TIMEOUT, allowEIO3: true });
});
after(async () => {
  await chatd.cleanup();
  await node.cleanup();
});

async function same(probe) {
  const ours = await probe(chatd.url);
  const reference = await probe(node.url);
  assert.deepEqual(ours, reference);
  return reference;
}

const v3 = (base, query = '') => `${base}/socket.io/?EIO=3&transport=polling${query}`;
const get = async (url) => (await fetch(url)).text();
const post = async (url, body) => (await fetch(url, { method: 'POST', body })).text();
// "<length>:<packet>" with the JavaScript string length.
const framed = (packet) => `${packet.length}:${packet}`;

// The packets of a v3 text payload.
function split(payload) {
  const packets = [];
  for (let i = 0; i < payload.length; ) {
    const colon = payload.indexOf(':', i);
    const n = Number(payload.slice(i, colon));
    packets.push(payload.slice(colon + 1, colon + 1 + n));
    i = colon + 1 + n;
  }
  return packets;
}

// Polls until `count` packets have come (however the server batches them).
async function packets(url, count) {
  const out = [];
  while (out.length < count) out.push(...split(await get(url)));
  return out;
}

test('v3 polling: the handshake, the default namespace joined at once, ping/pong, a namespace with query auth', async () => {
  const seen = await same(async (base) => {
    const open = await get(v3(base));
    const [, length, packet] = open.match(/^(\d+):(.*)$/s);
    assert.equal(Number(length), packet.length);
    const handshake = JSON.parse(packet.slice(1));
    const q = `&sid=${handshake.sid}`;
    const joined = await packets(v3(base, q), 2);
    const pingOk = await post(v3(base, q), framed('2'));
    const pong = await packets(v3(base, q), 1);
    await post(v3(base, q), framed('40/custom?token=t%C3%A9st&x=1,'));
    const custom = await packets(v3(base, q), 2);
    return {
      packetType: packet[0],
      keys: Object.keys(handshake).sort(),
      upgrades: handshake.upgrades,
      joined,
      pingOk,
      pong,
      custom,
    };
  });
  assert.deepEqual(seen.joined, ['40', '42["auth",{}]']);
  assert.deepEqual(seen.pong, ['3']);
  assert.deepEqual(seen.custom, ['40/custom,', '42/custom,["auth",{"token":"tést","x":"1"}]']);
});

test('v3 WebSocket: the open packet, the default namespace, a binary frame carries its type byte', async () => {
  await same(async (base) => {
    const s = rawSocket(base.replace('http', 'ws') + '/socket.io/?EIO=3&transport=websocket');
    await s.opened;
    const open = await s.next();
    const joined = await s.next();
    s.send('2');
    const pong = await s.next();
    // A binary event: header, then the attachment as a binary frame with type byte 4.
    s.send('451-["echo",{"_placeholder":true,"num":0}]');
    s.send(Buffer.from([4, 1, 2, 3]));
    const header = await s.next();
    const attachment = await s.next();
    s.close();
    return { open: open[0], joined, pong, header, attachment: [...attachment] };
  });
});

test('v3 polling: binary as base64 for a client that asks for b64, as a binary payload otherwise', async () => {
  await same(async (base) => {
    const out = {};
    for (const b64 of [true, false]) {
      const open = await get(v3(base, b64 ? '&b64=1' : ''));
      const sid = JSON.parse(open.slice(open.indexOf(':') + 2)).sid;
      const q = `&sid=${sid}${b64 ? '&b64=1' : ''}`;
      await get(v3(base, q));  // 40
      await post(v3(base, q), framed('451-["echo",{"_placeholder":true,"num":0}]') + framed('b4AQID'));
      const res = await fetch(v3(base, q));
      out[b64 ? 'base64' : 'binary'] = {
        type: res.headers.get('content-type'),
        body: [...Buffer.from(await res.arrayBuffer())],
      };
    }
    return out;
  });
});
