// The Socket.IO Admin UI of npm @socket.io/admin-ui (its ui/dist, served from another origin as
// admin.socket.io would be) in Debian chromium against chatd: it logs in over long-polling with
// credentials (CORS_ORIGINS names its origin) and shows the server, the /chat sockets, their
// rooms and their events; its disconnect button ends a socket. Screenshots go to tests/out/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { launchBrowser, newPage, screenshot } from './browser.mjs';
import { startChatd, registerAndLogin } from '../lib/chatd.mjs';
import { connect, waitFor } from '../lib/chat-socket.mjs';

const uiDist = new URL('../node_modules/@socket.io/admin-ui/ui/dist/', import.meta.url).pathname;
const PASSWORD = 'let me watch 7';
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.map': 'application/json' };

let ui, uiOrigin, server, browser, admin, alice, bob, aliceSocket, bobSocket;

// The UI's files, as any static host would serve them.
function serveUi() {
  const srv = createServer(async (req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    if (path === '/') path = '/index.html';
    try {
      const body = await readFile(join(uiDist, path));
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

before(async () => {
  ui = await serveUi();
  uiOrigin = `http://127.0.0.1:${ui.address().port}`;
  server = await startChatd({ env: { ADMIN_UI_PASSWORD: PASSWORD, CORS_ORIGINS: uiOrigin } });
  alice = await registerAndLogin(server);
  bob = await registerAndLogin(server);
  aliceSocket = await connect(server, alice.token);
  bobSocket = await connect(server, bob.token, 'upgrade');
  await aliceSocket.timeout(5000).emitWithAck('join_room', { recipientId: bob.user.id });
  browser = await launchBrowser();
  admin = await newPage(browser, server, { label: 'admin-ui' });
  // The page also asks Google Fonts and jsDelivr for fonts and icons: not reachable here, and
  // not part of what is tested.
  await admin.context.route('**/*', (route) => {
    const url = route.request().url();
    return url.startsWith(uiOrigin) || url.startsWith(server.url) ? route.continue() : route.abort();
  });
  admin.tracker.allow = /fonts\.googleapis|cdn\.jsdelivr|ERR_FAILED|Failed to load resource/;
});

after(async () => {
  aliceSocket?.close();
  bobSocket?.close();
  await browser?.close();
  await server?.cleanup();
  ui?.close();
});

async function open(route) {
  await admin.page.goto(`${uiOrigin}/#${route}`);
}

test('the Admin UI logs in to chatd and shows the server, the sockets, the rooms and the events', { timeout: 120000 }, async () => {
  const page = admin.page;
  await page.goto(`${uiOrigin}/`);
  // A wrong password first: the UI says so.
  await page.getByLabel('Server URL').fill(server.url);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('not it');
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByText('Invalid credentials').waitFor({ timeout: 10000 });
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByLabel('Server URL').waitFor({ state: 'hidden', timeout: 15000 });
  // Long-polling with credentials from the UI's origin, as the UI connects by default.
  assert.equal(await page.evaluate(() => localStorage.getItem('session_id')?.length), 32);

  // Dashboard, then the servers: this node, healthy.
  await page.getByText('Servers').first().waitFor();
  await open('/servers/');
  const hostname = (await import('node:os')).hostname();
  await page.getByRole('cell', { name: hostname }).first().waitFor({ timeout: 10000 });
  await screenshot(page, 'admin-ui-servers');

  // The sockets of /chat: alice's and bob's, with their transports.
  await open('/sockets/');
  for (const s of [aliceSocket, bobSocket]) await page.getByRole('cell', { name: s.id }).waitFor({ timeout: 10000 });
  await screenshot(page, 'admin-ui-sockets');

  // One socket: its rooms and what its data says (whose it is).
  await page.getByRole('cell', { name: aliceSocket.id }).click();
  await page.getByText(`user:${alice.user.id}`).first().waitFor();
  await page.getByText(alice.user.username).first().waitFor();
  await screenshot(page, 'admin-ui-socket');

  // The rooms: public_room with both, the pair room alice joined.
  await open('/rooms/');
  const pair = [alice.user.id, bob.user.id].sort((a, b) => a - b).join('_');
  await page.getByRole('cell', { name: 'public_room' }).waitFor({ timeout: 10000 });
  await page.getByRole('cell', { name: pair, exact: true }).waitFor();
  await screenshot(page, 'admin-ui-rooms');

  // Events as they happen: a public message in and out.
  await open('/events/');
  const text = 'seen by the admin ' + Date.now();
  await bobSocket.timeout(5000).emitWithAck('public_message', text);
  await page.getByText('public_message').first().waitFor({ timeout: 10000 });
  await screenshot(page, 'admin-ui-events');

  // The UI's disconnect button on bob's socket ends it (the click also opens its details, which
  // then say so); the socket list no longer has it.
  await open('/sockets/');
  const bobId = bobSocket.id;
  const ended = new Promise((resolve) => bobSocket.once('disconnect', resolve));
  const row = page.getByRole('row').filter({ hasText: bobId });
  await row.getByRole('button').first().click();
  assert.equal(await ended, 'io server disconnect');
  await page.getByText('Disconnected').first().waitFor({ timeout: 10000 });
  await screenshot(page, 'admin-ui-disconnected');
  await open('/sockets/');
  await page.getByRole('cell', { name: aliceSocket.id }).waitFor();
  assert.equal(await page.getByRole('cell', { name: bobId }).count(), 0);
  assert.deepEqual(admin.tracker.errors, []);
});
