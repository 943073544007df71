// Helpers for the browser tests: Debian chromium driven by playwright-core, console-error
// tracking per page, screenshots, and small test images.
import { chromium } from 'playwright-core';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser() {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} not found: apt-get install chromium`);
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
      '--disable-dev-shm-usage',
    ],
  });
}

export const outDir = join(process.env.CHATD_TEST_OUT ?? new URL('../out', import.meta.url).pathname, 'e2e');

export async function screenshot(page, name) {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  return path;
}

// Every console error and uncaught exception of a page, with an allow-list switch for windows
// where the test itself cuts the network (the browser then logs failed requests).
export function trackErrors(page, label) {
  const tracker = { errors: [], allow: null };
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const where = msg.location()?.url ?? '';
    if (tracker.allow && tracker.allow.test(`${text} ${where}`)) return;
    tracker.errors.push(`[${label}] console.error: ${text} ${where}`);
  });
  page.on('pageerror', (err) => tracker.errors.push(`[${label}] uncaught: ${err.message}`));
  return tracker;
}

export async function newPage(browser, server, { label, viewport = { width: 1280, height: 800 }, ...options } = {}) {
  const context = await browser.newContext({ viewport, baseURL: server.url, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const tracker = trackErrors(page, label);
  return { context, page, tracker, label };
}

// A PNG of w×h with a diagonal gradient between two colours (no dependency needed).
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
export function makePng(width, height, from = [79, 70, 229], to = [6, 182, 212]) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0;
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      const ring = Math.hypot(x - width * 0.7, y - height * 0.35) < Math.min(width, height) * 0.16;
      for (let c = 0; c < 3; c++) raw[row + 1 + x * 3 + c] = ring ? 250 : Math.round(from[c] + (to[c] - from[c]) * t);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
