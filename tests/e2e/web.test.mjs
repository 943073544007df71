// The web client in a real browser (Debian chromium + playwright-core) against a real chatd.
// One story, step by step: two people register in two browser contexts, talk in the public room
// and privately, read receipts, images, reloads, failures, disconnects, a phone-width screen,
// keyboard-only use and Swagger UI. Any console error fails the step it happens in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { io } from 'socket.io-client';
import { startChatd, api } from '../lib/chatd.mjs';
import { launchBrowser, newPage, screenshot, makePng } from './browser.mjs';
import { createStory, people, send, message, waitSent, register } from './story.mjs';


let server;
let browser;
let A; // alice's browser context and page
let B; // bob's
const ids = {};
const tokens = {};
let presenceRoute = true; // GET /api/users/online exists on this build
let restarted = false; // the disconnect test restarts chatd on the same data folder

const onlineMissing = /\/api\/users\/online/;
const { pages, step: storyStep } = createStory({ alwaysAllowed: () => (presenceRoute ? [] : [onlineMissing]) });
const step = (t, name, fn, allow) => storyStep(name, fn, allow);

async function carolSocket() {
  const socket = io(`${server.url}/chat`, { auth: { token: tokens.carol }, transports: ['websocket'] });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

async function signIn(who) {
  const person = people[who];
  const res = await api(server, 'POST', '/api/auth/login', { body: { email: person.email, password: person.password } });
  assert.equal(res.status, 201);
  tokens[who] = res.body.access_token;
  const me = await api(server, 'GET', '/api/profile', { token: tokens[who] });
  ids[who] = me.body.data.id;
}

before(async () => {
  server = await startChatd();
  // Carol is a third person, driven from here through the API and a plain Socket.IO client.
  const reg = await api(server, 'POST', '/api/auth/register', { body: people.carol });
  assert.equal(reg.status, 201);
  await signIn('carol');
  presenceRoute = (await api(server, 'GET', '/api/users/online', { token: tokens.carol })).status === 200;
  browser = await launchBrowser();
  A = await newPage(browser, server, { label: 'alice' });
  B = await newPage(browser, server, { label: 'bob' });
  pages.push(A, B);
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
  if (restarted) rmSync(server.dataDir, { recursive: true, force: true });
});

test('register and log in, with errors shown inline', { timeout: 60000 }, async (t) => {
  await step(t, 'auth', async () => {
    await A.page.goto('/');
    await A.page.locator('#login-email').waitFor();
    assert.equal(await A.page.evaluate(() => document.activeElement?.id), 'login-email');
    await screenshot(A.page, '01-login');

    // Empty form: the client names the missing fields.
    await A.page.locator('#login-form button[type=submit]').click();
    await A.page.locator('#login-email-error', { hasText: 'email' }).waitFor();
    // Wrong credentials: the server's message, inline.
    await A.page.locator('#login-email').fill('nobody@example.com');
    await A.page.locator('#login-password').fill('wrong-password');
    await A.page.locator('#login-form button[type=submit]').click();
    await A.page.locator('#login-form .form-error', { hasText: 'Invalid credentials' }).waitFor();

    // A too-short password is refused before anything is sent; a taken username by the server.
    await A.page.locator('#tab-register').click();
    await A.page.locator('#register-email').fill(people.alice.email);
    await A.page.locator('#register-username').fill(people.alice.username);
    await A.page.locator('#register-password').fill('short');
    await A.page.locator('#register-form button[type=submit]').click();
    await A.page.locator('#register-password-error', { hasText: '8' }).waitFor();
    assert.equal(await A.page.locator('#register-password').getAttribute('aria-invalid'), 'true');
    await screenshot(A.page, '02-register-errors');
  }, [/status of 401.*\/api\/auth\/login/]);

  await step(t, 'register', async () => {
    await register(A.page, people.alice, { withProfile: true });
    await B.page.goto('/');
    await register(B.page, people.bob);
  });
  for (const who of ['alice', 'bob']) await signIn(who);
  if (!presenceRoute) t.diagnostic('GET /api/users/online is not there yet: no presence dots until it is');

  await step(t, 'signed in', async () => {
    await A.page.locator('#me-name', { hasText: 'Alice Martin' }).waitFor();
    await B.page.locator('#me-name', { hasText: 'bob' }).waitFor();
    assert.ok(await A.page.evaluate(() => sessionStorage.getItem('chatd.token')));
  });
});

test('a public message from A reaches B', { timeout: 60000 }, async (t) => {
  // Carol says something first, from a plain Socket.IO client: the room has some life.
  const carol = await carolSocket();
  await carol.timeout(5000).emitWithAck('public_message', 'Morning all! Is the new chat server up?');
  carol.close();

  await step(t, 'public', async () => {
    await message(B.page, 'Morning all').waitFor();
    await send(A.page, 'Hi everyone — yes, chatd is live. Messages are stored before they are shown.');
    const own = await waitSent(A.page, 'chatd is live');
    assert.match(await own.getAttribute('class'), /\bown\b/);
    const seen = message(B.page, 'chatd is live');
    await seen.waitFor();
    assert.match(await seen.getAttribute('class'), /\bother\b/);
    assert.equal(await seen.locator('.msg-sender').textContent(), 'alice');
    await send(B.page, 'Nice! Fast too.');
    await message(A.page, 'Fast too').waitFor();
    // Own messages sit on the right, others on the left.
    const ownBox = await message(A.page, 'chatd is live').locator('.bubble').boundingBox();
    const otherBox = await message(A.page, 'Fast too').locator('.bubble').boundingBox();
    assert.ok(ownBox.x > otherBox.x, 'own message is right-aligned');
  });
});

test('a private chat: unread badge for B, read marker for A', { timeout: 60000 }, async (t) => {
  await step(t, 'private', async () => {
    // A finds B with the user search and opens a chat.
    await A.page.locator('#user-search').fill('bo');
    await A.page.locator('#search-results .person', { hasText: 'bob' }).click();
    await A.page.locator('#pane-title', { hasText: 'bob' }).waitFor();
    await send(A.page, 'Hey Bob, got a minute for the release notes?');
    await waitSent(A.page, 'release notes');

    // B is in the public room: the conversation shows up with an unread badge.
    const item = B.page.locator(`#chat-list [data-view="u:${ids.alice}"]`);
    await item.locator('.badge', { hasText: '1' }).waitFor();
    assert.match(await item.textContent(), /release notes/);
    assert.match(await B.page.title(), /^\(1\)/);
    await screenshot(B.page, '04-unread-badge');

    // B opens it: the badge goes, A sees "Read".
    await item.click();
    await message(B.page, 'release notes').waitFor();
    await item.locator('.badge').waitFor({ state: 'detached' });
    await A.page.locator('#message-list .read-marker', { hasText: 'Read' }).waitFor();
    const unread = await api(server, 'GET', '/api/chat/conversations', { token: tokens.bob });
    assert.equal(unread.body.data.find((c) => c.peer.id === ids.alice).unreadCount, 0);

    await send(B.page, 'Sure — send them over.');
    await message(A.page, 'send them over').waitFor();
  });
});

test('images: A uploads, B sees it rendered; avatar upload', { timeout: 60000 }, async (t) => {
  const probe = await api(server, 'POST', '/api/chat/send-image', { token: tokens.alice, body: {} });
  if (probe.status === 404) t.diagnostic('POST /api/chat/send-image is not there yet: this test awaits the images work');
  await step(t, 'image', async () => {
    await send(A.page, 'Here is the chart from this week\'s load test:');
    await waitSent(A.page, 'load test');
    await A.page.locator('#upload-input').setInputFiles({ name: 'release-chart.png', mimeType: 'image/png', buffer: makePng(480, 300) });
    const img = B.page.locator('#message-list li.msg.other img.msg-image').last();
    await img.waitFor();
    await B.page.waitForFunction(() => {
      const el = [...document.querySelectorAll('#message-list li.msg.other img.msg-image')].at(-1);
      return el?.complete && el.naturalWidth > 0;
    });
    assert.equal(await img.evaluate((el) => el.naturalWidth), 480);
    // Space is reserved from the message's width/height before the image loads.
    assert.equal(await img.getAttribute('width'), '280');
    assert.equal(await img.getAttribute('height'), '175');
    await A.page.waitForFunction(() => {
      const el = [...document.querySelectorAll('#message-list li.msg.own img.msg-image')].at(-1);
      return el?.closest('li').classList.contains('sent') && el.closest('li').dataset.id && el.naturalWidth > 0;
    });
  }, [/status of 404.*\/api\/chat\/send-image/]);

  await step(t, 'avatar', async () => {
    await A.page.locator('#profile-button').click();
    await A.page.locator('#profile-dialog[open]').waitFor();
    await A.page.locator('#avatar-input').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: makePng(128, 128, [236, 72, 153], [250, 204, 21]) });
    await A.page.locator('#profile-saved', { hasText: 'Photo updated' }).waitFor();
    await A.page.locator('#me-avatar img').waitFor();
    await A.page.waitForFunction(() => document.querySelector('#me-avatar img')?.naturalWidth > 0);
    await A.page.keyboard.press('Escape');
    await A.page.locator('#profile-dialog[open]').waitFor({ state: 'detached' });
  });
});

test('profile: full name, location, age', { timeout: 60000 }, async (t) => {
  await step(t, 'profile', async () => {
    await B.page.locator('#profile-button').click();
    await B.page.locator('#profile-dialog[open]').waitFor();
    assert.equal(await B.page.evaluate(() => document.activeElement?.id), 'profile-full_name');
    await B.page.locator('#profile-full_name').fill(people.bob.full_name);
    await B.page.locator('#profile-location').fill('Lagos');
    await B.page.locator('#profile-age').fill('34');
    await B.page.locator('#profile-form button[type=submit]').click();
    await B.page.locator('#profile-saved', { hasText: 'Saved' }).waitFor();
    await screenshot(B.page, '05-profile');
    await B.page.locator('#profile-cancel').click();
    await B.page.locator('#me-name', { hasText: 'Bob Okafor' }).waitFor();
    const me = await api(server, 'GET', '/api/profile', { token: tokens.bob });
    assert.equal(me.body.data.profile.location, 'Lagos');
    assert.equal(me.body.data.profile.age, 34);
  });
});

test('a reload keeps the session and the open chat', { timeout: 60000 }, async (t) => {
  await step(t, 'reload', async () => {
    await A.page.reload();
    await A.page.locator('#chat-screen').waitFor();
    await A.page.locator('#pane-title', { hasText: 'bob' }).waitFor();
    await message(A.page, 'release notes').waitFor();
    await A.page.locator('#message-list .read-marker').waitFor();
    await A.page.locator('#chat-list [data-view="public"]').click();
    await message(A.page, 'chatd is live').waitFor();
  });
});

test('a failed send shows the error and can be retried or discarded', { timeout: 60000 }, async (t) => {
  await step(t, 'failed', async () => {
    await A.page.locator('#chat-list [data-view="public"]').click();
    await send(A.page, 'All work and no play makes a very long message. '.repeat(90).slice(0, 4001));
    const failed = A.page.locator('#message-list li.msg.failed').last();
    await failed.waitFor();
    assert.match(await failed.locator('.msg-error').textContent(), /Not sent: .*4000/);
    await screenshot(A.page, '06-failed-send');
    await failed.locator('button.retry').click();
    await A.page.locator('#message-list li.msg.failed .msg-error').last().waitFor();
    await A.page.locator('#message-list li.msg.failed button.discard').click();
    await A.page.locator('#message-list li.msg.failed').waitFor({ state: 'detached' });
    assert.equal(await A.page.locator('#toasts .toast').count(), 0, 'no duplicate toast for an error shown on the message');
    // Nobody else saw it.
    assert.equal(await B.page.locator('#message-list li.msg', { hasText: 'All work and no play' }).count(), 0);
  });
});

test('disconnected: a banner, queued sends, catch-up from history after reconnect', { timeout: 90000 }, async (t) => {
  // The server restarts (same port, same data); alice's page is held offline a while longer
  // by refusing its Engine.IO requests, so bob can talk while she is away.
  let cut = false;
  await A.page.route(/\/socket\.io\/\?/, (route) => (cut ? route.abort('internetdisconnected') : route.continue()));
  const offline = [/socket\.io\/\?/, /ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE/, /WebSocket connection/];

  try {
    await step(t, 'offline', async () => {
      await B.page.locator('#chat-list [data-view="public"]').click();
      cut = true;
      const { dataDir, port } = server;
      await server.stop();
      await A.page.locator('#banner', { hasText: 'reconnect' }).waitFor();
      await B.page.locator('#banner', { hasText: 'reconnect' }).waitFor();
      await screenshot(A.page, '07-disconnected');
      server = await startChatd({ dataDir, port });
      restarted = true;
      // Bob is back first and talks; alice writes too, which waits in her outbox.
      await B.page.waitForFunction(() => document.querySelector('#banner').hidden, null, { timeout: 20000 });
      await send(B.page, 'Did everyone get the deploy notice?');
      await waitSent(B.page, 'deploy notice');
      await send(A.page, 'Written while offline');
      await A.page.locator('#message-list li.msg.pending', { hasText: 'Written while offline' }).waitFor();
      assert.ok(await A.page.locator('#banner').isVisible());
    }, offline);

    await step(t, 'back online', async () => {
      cut = false;
      await A.page.waitForFunction(() => document.querySelector('#banner').hidden, null, { timeout: 20000 });
      await message(A.page, 'deploy notice').waitFor();
      await waitSent(A.page, 'Written while offline');
      await message(B.page, 'Written while offline').waitFor();
      assert.equal(await A.page.locator('#message-list li.msg', { hasText: 'deploy notice' }).count(), 1);
      assert.equal(await B.page.locator('#message-list li.msg', { hasText: 'Written while offline' }).count(), 1);
    }, offline);
  } finally {
    cut = false;
    await A.page.unrouteAll({ behavior: 'ignoreErrors' });
  }
});

test('phone width, keyboard only', { timeout: 60000 }, async (t) => {
  const P = await newPage(browser, server, {
    label: 'phone',
    viewport: { width: 390, height: 780 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  pages.push(P);
  try {
    await step(t, 'phone', async () => {
      await P.page.goto('/');
      await P.page.locator('#login-email').waitFor();
      // Keyboard only: the email field has focus; Tab, type, Enter.
      await P.page.keyboard.type(people.bob.email);
      await P.page.keyboard.press('Tab');
      await P.page.keyboard.type(people.bob.password);
      await P.page.keyboard.press('Enter');
      await P.page.locator('#chat-screen').waitFor();
      // The list fills the screen; the pane is hidden until a chat is chosen.
      await P.page.locator(`#chat-list [data-view="u:${ids.alice}"]`).waitFor();
      assert.equal(await P.page.locator('.pane').isVisible(), false);
      const width = await P.page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `no horizontal scrolling (scrollWidth ${width})`);
      await screenshot(P.page, '08-phone-list');

      // Search by keyboard: focus the search box, type, arrow down, Enter opens the chat.
      await P.page.locator('#user-search').focus();
      await P.page.keyboard.type('caro');
      await P.page.locator('#search-results .person').first().waitFor();
      await P.page.keyboard.press('ArrowDown');
      assert.equal(await P.page.evaluate(() => document.activeElement?.classList.contains('person')), true);
      await P.page.keyboard.press('Enter');
      await P.page.locator('#pane-title', { hasText: 'carol' }).waitFor();
      assert.equal(await P.page.locator('.sidebar').isVisible(), false);
      assert.equal(await P.page.evaluate(() => document.activeElement?.id), 'composer-input');
      await P.page.keyboard.type('Hi Carol! Sent from my phone.');
      await P.page.keyboard.press('Enter');
      await waitSent(P.page, 'Sent from my phone');
      await P.page.locator('#composer-input').blur();
      await screenshot(P.page, '09-phone-chat');
      // Back to the list.
      await P.page.locator('#back-button').click();
      await P.page.locator(`#chat-list [data-view="u:${ids.carol}"]`).waitFor();
      // Focus is visible on keyboard navigation.
      await P.page.keyboard.press('Tab');
      const outline = await P.page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert.notEqual(outline, 'none');
    });
  } finally {
    pages.splice(pages.indexOf(P), 1);
    await P.context.close();
  }
});

test('Swagger UI: authorize with the token and try GET /api/users', { timeout: 60000 }, async (t) => {
  const S = await newPage(browser, server, { label: 'swagger' });
  pages.push(S);
  try {
    await step(t, 'swagger', async () => {
      await S.page.goto('/api-docs');
      await S.page.locator('.swagger-ui .info .title').waitFor();
      await S.page.locator('.swagger-ui button.authorize').first().click();
      const modal = S.page.locator('.swagger-ui .modal-ux');
      await modal.locator('input').first().fill(tokens.alice);
      await modal.locator('button.authorize').first().click();
      await modal.locator('button.btn-done, button.close-modal').first().click();
      await modal.waitFor({ state: 'detached' });
      const op = S.page.locator('#operations-users-listUsers');
      await op.locator('.opblock-summary-control, .opblock-summary').first().click();
      await op.locator('button.try-out__btn').click();
      await op.locator('button.execute').click();
      const status = op.locator('.live-responses-table tbody .response-col_status').first();
      await status.waitFor();
      assert.equal((await status.textContent()).trim(), '200');
      assert.match(await op.locator('.live-responses-table tbody .response-col_description').first().textContent(), /"username": "alice"/);
      await status.scrollIntoViewIfNeeded();
      await S.page.mouse.wheel(0, 250);
      await screenshot(S.page, '10-swagger');
    });
  } finally {
    pages.splice(pages.indexOf(S), 1);
    await S.context.close();
  }
});

test('history loads by cursor when scrolling up', { timeout: 60000 }, async (t) => {
  const carol = await carolSocket();
  for (let i = 1; i <= 45; i++) {
    const ack = await carol.timeout(5000).emitWithAck('private_message', { recipientId: ids.bob, message: `History line ${i}` });
    assert.ok(ack.id, JSON.stringify(ack));
    await new Promise((r) => setTimeout(r, 110)); // under the per-user rate limit
  }
  carol.close();
  await step(t, 'history', async () => {
    await B.page.locator(`#chat-list [data-view="u:${ids.carol}"] .badge`, { hasText: '45' }).waitFor();
    await B.page.locator(`#chat-list [data-view="u:${ids.carol}"]`).click();
    await message(B.page, 'History line 45').waitFor();
    // 46 messages in all (bob's "Hi Carol" from his phone, then carol's 45): one page first.
    const first = await B.page.locator('#message-list li.msg').count();
    assert.equal(first, 30);
    const topText = await B.page.locator('#message-list li.msg .msg-text').first().textContent();
    const anchor = B.page.locator('#message-list li.msg .msg-text', { hasText: new RegExp(`^${topText}$`) });
    // Scroll to the top: the next page comes in above, and the view stays where it was.
    await B.page.locator('#messages').evaluate((el) => { el.scrollTop = 0; });
    await message(B.page, 'Sent from my phone').waitFor();
    assert.equal(await B.page.locator('#message-list li.msg').count(), 46);
    const box = await anchor.boundingBox();
    assert.ok(box && box.y > 0, 'the message that was on top is still on screen after the older page came in');
    await B.page.locator('#history-status', { hasText: 'beginning' }).waitFor();
  });
});

// The README screenshot is a group's (groups.test.mjs); this is the private chat's.
test('the chat screen: a private chat with its read marker and presence', { timeout: 60000 }, async (t) => {
  await step(t, 'private chat screen', async () => {
    const carol = await carolSocket();
    await carol.timeout(5000).emitWithAck('private_message', { recipientId: ids.alice, message: 'Lunch at 1? The new place on Rue Mercière.' });
    carol.close();
    await A.page.locator(`#chat-list [data-view="u:${ids.carol}"] .badge`).waitFor();
    await A.page.locator(`#chat-list [data-view="u:${ids.bob}"]`).click();
    await B.page.locator(`#chat-list [data-view="u:${ids.alice}"]`).click();
    await send(B.page, 'Looks good to me. Ship it on Friday?');
    await message(A.page, 'Ship it on Friday').waitFor();
    await send(A.page, 'Friday it is. I will write the release notes tonight.');
    await waitSent(A.page, 'release notes tonight');
    await A.page.locator('#message-list li.msg.own:last-child .read-marker').waitFor();
    if (presenceRoute) {
      // bob is connected, carol is not: a dot on bob only, and "Online" in the header.
      await A.page.locator(`#chat-list [data-view="u:${ids.bob}"] .presence.online`).waitFor();
      assert.equal(await A.page.locator(`#chat-list [data-view="u:${ids.carol}"] .presence.online`).count(), 0);
      await A.page.locator('#pane-subtitle', { hasText: 'Online' }).waitFor();
    }
    await A.page.locator('#composer-input').blur();
    await A.page.mouse.move(0, 0);
    await screenshot(A.page, '03-chat');
  });
});
