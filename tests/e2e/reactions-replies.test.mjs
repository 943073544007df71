// Reactions and replies in the web client, alice and bob in two browsers against a real chatd:
// the reaction picker from the message menu, chips with counts that both see change live (pressed
// when one's own, a click takes it back), the reply bar above the composer (× and Escape cancel),
// an image sent as a reply, the quote on a reply that follows an edit and a delete of its original and brings it into view
// when clicked (loading older history to find it), in the public room, a private chat and a
// group; what both show after a reload, and reactions made while a page was cut off shown once it
// is back. Any console error fails the step it happens in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../lib/chatd.mjs';
import { connect, sendPublic, waitFor } from '../lib/chat-socket.mjs';
import { screenshot, makePng } from './browser.mjs';
import { createStory, openStage, send, composer, registerAll } from './story.mjs';

let stage;
let server;
let A; // alice
let B; // bob
let tokens; // name → access token
let ids; // name → user id
const story = createStory();
const { step } = story;

// A message by its own text (a reply also holds its original's text, in its quote).
const bubble = (page, text) => page.locator('#message-list li.msg', { has: page.locator('.bubble .msg-text', { hasText: text }) }).last();
const quote = (page, text) => bubble(page, text).locator('.msg-quote');
const replyBar = (page) => page.locator('#reply-bar');
const chatWith = (page, who) => page.locator(`#chat-list [data-view="u:${ids[who]}"]`);

// Opens the ⋯ menu of a stored message. → the message's element.
async function openMenu(page, text) {
  const li = bubble(page, text).and(page.locator('.sent'));
  await li.waitFor();
  await li.hover();
  await li.locator('.msg-menu-button').click();
  await li.locator('.msg-menu:not([hidden])').waitFor();
  return li;
}

async function remove(page, text) {
  const li = await openMenu(page, text);
  await li.locator('.msg-menu-item[data-action="delete"]').click();
  await li.locator('.msg-menu-item.confirm').click();
}

async function editTo(page, text, replacement) {
  const li = await openMenu(page, text);
  await li.locator('.msg-menu-item[data-action="edit"]').click();
  const input = page.locator('#message-list li.msg.editing .msg-edit-input');
  await input.fill(replacement);
  await input.press('Enter');
  await page.locator('#message-list li.msg.editing').waitFor({ state: 'detached' });
}

// Waits until the message shows `emoji` with that count, pressed (ours) or not.
function chip(page, text, emoji, count, mine) {
  return bubble(page, text)
    .locator(`.reaction-chip[data-emoji="${emoji}"][aria-pressed="${mine}"] .reaction-count`, { hasText: new RegExp(`^${count}$`) })
    .waitFor();
}

async function menuItems(page, text) {
  const li = await openMenu(page, text);
  const items = await li.locator('.msg-menu-item').allTextContents();
  await page.keyboard.press('Escape');
  return items;
}

// The message menu's React, then an emoji of the picker.
async function react(page, text, emoji) {
  const li = await openMenu(page, text);
  await li.locator('.msg-menu-item[data-action="react"]').click();
  await bubble(page, text).locator(`.reaction-picker [data-emoji="${emoji}"]`).click();
  await bubble(page, text).locator('.reaction-picker').waitFor({ state: 'detached' });
}

async function startReply(page, text) {
  const li = await openMenu(page, text);
  await li.locator('.msg-menu-item[data-action="reply"]').click();
  await replyBar(page).waitFor();
}

// Whether the message's element is inside the visible part of the list.
function inView(page, text) {
  return bubble(page, text).evaluate((li) => {
    const box = li.getBoundingClientRect();
    const pane = document.getElementById('messages').getBoundingClientRect();
    return box.bottom > pane.top && box.top < pane.bottom;
  });
}

before(async () => {
  stage = await openStage(story, ['alice', 'bob']);
  ({ server, page: { alice: A, bob: B } } = stage);
});

after(() => stage?.close());

test('alice and bob register', { timeout: 60000 }, async () => {
  await step('register', async () => {
    ({ tokens, ids } = await registerAll(stage));
  });
});

test('reactions in the public room: the picker, chips both see change live, a click takes one back', { timeout: 60000 }, async () => {
  await step('react', async () => {
    await send(B.page, 'Who is up for lunch?');
    await bubble(A.page, 'Who is up for lunch?').waitFor();
    await send(A.page, 'Deploy is done.');
    await bubble(B.page, 'Deploy is done.').waitFor();
    assert.deepEqual(await menuItems(A.page, 'Who is up for lunch?'), ['Reply', 'React'], "someone else's message");
    assert.deepEqual(await menuItems(A.page, 'Deploy is done.'), ['Reply', 'React', 'Edit', 'Delete'], 'our own');

    // The picker takes the focus; Escape closes it and gives the focus back to the composer.
    const li = await openMenu(A.page, 'Who is up for lunch?');
    await li.locator('.msg-menu-item[data-action="react"]').click();
    const picker = bubble(A.page, 'Who is up for lunch?').locator('.reaction-picker');
    assert.equal(await picker.locator('.reaction-choice').count(), 8);
    assert.equal(await picker.locator('.reaction-choice').first().evaluate((el) => el === document.activeElement), true);
    await A.page.keyboard.press('ArrowRight');
    assert.equal(await A.page.evaluate(() => document.activeElement.dataset.emoji), '❤️');
    await A.page.keyboard.press('Escape');
    await picker.waitFor({ state: 'detached' });
    assert.equal(await composer(A.page).evaluate((el) => el === document.activeElement), true);

    await react(A.page, 'Who is up for lunch?', '👍');
    await chip(A.page, 'Who is up for lunch?', '👍', 1, true);
    await chip(B.page, 'Who is up for lunch?', '👍', 1, false);
    // Bob agrees by clicking alice's chip, and adds his own from the "+" after the chips.
    await bubble(B.page, 'Who is up for lunch?').locator('.reaction-chip[data-emoji="👍"]').click();
    await chip(B.page, 'Who is up for lunch?', '👍', 2, true);
    await chip(A.page, 'Who is up for lunch?', '👍', 2, true);
    await bubble(B.page, 'Who is up for lunch?').locator('.reaction-add').click();
    await bubble(B.page, 'Who is up for lunch?').locator('.reaction-picker [data-emoji="🎉"]').click();
    await chip(A.page, 'Who is up for lunch?', '🎉', 1, false);
    assert.deepEqual(await bubble(A.page, 'Who is up for lunch?').locator('.reaction-chip').evaluateAll((els) => els.map((el) => el.dataset.emoji)), ['👍', '🎉'], 'in the order first used');
    await react(B.page, 'Deploy is done.', '🙏');
    await chip(A.page, 'Deploy is done.', '🙏', 1, false);
    await screenshot(A.page, 'reactions-01-chips');

    // Alice takes hers back: one left, bob's.
    await bubble(A.page, 'Who is up for lunch?').locator('.reaction-chip[data-emoji="👍"]').click();
    await chip(A.page, 'Who is up for lunch?', '👍', 1, false);
    await chip(B.page, 'Who is up for lunch?', '👍', 1, true);
  });
});

test('a reply: the quote above the composer, sent with it, seen live; a click on it shows the original', { timeout: 90000 }, async () => {
  await step('reply', async () => {
    // Enough after the question that it scrolls out of view.
    for (let i = 1; i <= 20; i++) await send(B.page, `status line ${i}`);
    await bubble(A.page, 'status line 20').waitFor();

    await startReply(A.page, 'Who is up for lunch?');
    assert.match(await replyBar(A.page).textContent(), /Replying to bob.*Who is up for lunch\?/);
    assert.equal(await composer(A.page).evaluate((el) => el === document.activeElement), true, 'the composer has the focus');
    await replyBar(A.page).locator('.reply-cancel').click();
    await replyBar(A.page).waitFor({ state: 'hidden' });
    await startReply(A.page, 'Who is up for lunch?');
    await composer(A.page).press('Escape');
    await replyBar(A.page).waitFor({ state: 'hidden' });
    await startReply(A.page, 'Who is up for lunch?');
    await screenshot(A.page, 'replies-01-composer');
    await send(A.page, 'Me! 12:30 at the usual place?');
    await replyBar(A.page).waitFor({ state: 'hidden' });
    // The author, "You" for one's own.
    for (const [page, author] of [[A.page, 'bob'], [B.page, 'You']]) {
      const q = quote(page, 'Me! 12:30');
      await q.waitFor();
      assert.equal(await q.locator('.msg-quote-author').textContent(), author);
      assert.equal(await q.locator('.msg-quote-text').textContent(), 'Who is up for lunch?');
    }
    await bubble(A.page, 'Me! 12:30').and(A.page.locator('.sent')).waitFor();

    // The quote brings the original into view and highlights it.
    assert.equal(await inView(A.page, 'Who is up for lunch?'), false, 'out of view before');
    await quote(A.page, 'Me! 12:30').click();
    await A.page.waitForFunction(() => document.querySelector('#message-list li.msg.flash') !== null);
    assert.equal(await inView(A.page, 'Who is up for lunch?'), true, 'in view after');
    await screenshot(A.page, 'replies-02-revealed');

    // Bob answers her reply.
    await startReply(B.page, 'Me! 12:30');
    await send(B.page, 'Deal.');
    await quote(A.page, 'Deal.').locator('.msg-quote-text', { hasText: 'Me! 12:30 at the usual place?' }).waitFor();
    assert.equal(await quote(B.page, 'Deal.').locator('.msg-quote-author').textContent(), 'alice');
    assert.equal(await quote(A.page, 'Deal.').locator('.msg-quote-author').textContent(), 'You');
  });
});

test('an image as a reply: the quote on the upload, for both', { timeout: 60000 }, async () => {
  await step('image reply', async () => {
    await startReply(A.page, 'Deal.');
    await A.page.locator('#upload-input').setInputFiles({ name: 'map.png', mimeType: 'image/png', buffer: makePng(160, 90) });
    await replyBar(A.page).waitFor({ state: 'hidden' });
    for (const [page, author] of [[A.page, 'bob'], [B.page, 'You']]) {
      const q = page.locator('#message-list li.msg', { has: page.locator('img.msg-image') }).last().locator('.msg-quote');
      await q.waitFor();
      assert.equal(await q.locator('.msg-quote-author').textContent(), author);
      assert.equal(await q.locator('.msg-quote-text').textContent(), 'Deal.');
    }
  });
});

test("a reply's quote follows an edit and a delete of its original", { timeout: 60000 }, async () => {
  await step('quote follows', async () => {
    await editTo(B.page, 'Who is up for lunch?', 'Who is up for lunch today?');
    for (const page of [A.page, B.page]) await quote(page, 'Me! 12:30').locator('.msg-quote-text', { hasText: 'Who is up for lunch today?' }).waitFor();

    // While alice answers a message, bob deletes it: her reply bar goes, nothing is refused.
    await startReply(A.page, 'status line 20');
    await remove(B.page, 'status line 20');
    await replyBar(A.page).waitFor({ state: 'hidden' });

    await remove(B.page, 'Who is up for lunch today?');
    for (const page of [A.page, B.page]) {
      await quote(page, 'Me! 12:30').locator('.msg-quote-text', { hasText: 'Message deleted' }).waitFor();
      assert.equal(await quote(page, 'Me! 12:30').locator('.msg-quote-author').count(), 0);
    }
  });
});

test('a private chat and a group: reactions and replies live', { timeout: 90000 }, async () => {
  await step('private', async () => {
    await B.page.locator('#user-search').fill('ali');
    await B.page.locator('#search-results .person', { hasText: 'alice' }).click();
    await send(B.page, 'Can you send me the slides?');
    const item = chatWith(A.page, 'bob');
    await item.locator('.chat-item-preview', { hasText: 'slides' }).waitFor();
    await item.click();
    await startReply(A.page, 'Can you send me the slides?');
    await send(A.page, 'Sent them by mail.');
    await quote(B.page, 'Sent them by mail.').locator('.msg-quote-text', { hasText: 'Can you send me the slides?' }).waitFor();
    await react(B.page, 'Sent them by mail.', '❤️');
    await chip(A.page, 'Sent them by mail.', '❤️', 1, false);
    await chip(B.page, 'Sent them by mail.', '❤️', 1, true);
  });

  await step('group', async () => {
    const res = await api(server, 'POST', '/api/groups', { token: tokens.alice, body: { name: 'Lunch crew', memberIds: [ids.bob] } });
    assert.equal(res.status, 201, res.text);
    const view = `#chat-list [data-view="g:${res.body.data.id}"]`;
    await A.page.locator(view).click();
    await send(A.page, 'Pizza or sushi?');
    await B.page.locator(view).click();
    await bubble(B.page, 'Pizza or sushi?').waitFor();
    await react(B.page, 'Pizza or sushi?', '😂');
    await startReply(B.page, 'Pizza or sushi?');
    await send(B.page, 'Sushi, obviously.');
    await chip(A.page, 'Pizza or sushi?', '😂', 1, false);
    await quote(A.page, 'Sushi, obviously.').locator('.msg-quote-author', { hasText: 'You' }).waitFor();
    await react(A.page, 'Sushi, obviously.', '👀');
    await chip(B.page, 'Sushi, obviously.', '👀', 1, false);
    await screenshot(B.page, 'reactions-02-group');
  });
});

test('after a reload: reactions and quotes from history; a quote of an older message loads back to it', { timeout: 90000 }, async () => {
  let question;
  await step('reload', async () => {
    // Bob, from another device: a question, then more than a page of history, then a reply to
    // the question.
    const bob = await connect(server, tokens.bob);
    try {
      question = await sendPublic(bob, 'Which room is the retro in?');
      for (let i = 1; i <= 35; i++) await sendPublic(bob, `filler ${i}`);
      await sendPublic(bob, 'Room 4, I checked.', { replyTo: question.id });
    } finally {
      bob.close();
    }
    await A.page.reload();
    await A.page.locator('#chat-screen').waitFor();
    await A.page.locator('#chat-list [data-view="public"]').click();
    await bubble(A.page, 'Room 4, I checked.').waitFor();
    assert.equal(await A.page.locator(`#message-list li.msg[data-id="${question.id}"]`).count(), 0, 'not loaded yet');
    await quote(A.page, 'Room 4, I checked.').click();
    await A.page.locator(`#message-list li.msg.flash[data-id="${question.id}"]`).waitFor();
    assert.equal(await inView(A.page, 'Which room is the retro in?'), true);

    await B.page.reload();
    await B.page.locator('#chat-screen').waitFor();
    await chatWith(B.page, 'alice').click();
    await chip(B.page, 'Sent them by mail.', '❤️', 1, true);
    await quote(B.page, 'Sent them by mail.').locator('.msg-quote-text', { hasText: 'Can you send me the slides?' }).waitFor();
  });
});

test('reactions made while a page was cut off show once it is back', { timeout: 90000 }, async () => {
  // Alice's page loses its connection (its Engine.IO requests and WebSockets are refused) while
  // bob reacts; then it reconnects by itself.
  let cut = false;
  const open = [];
  await A.page.route(/\/socket\.io\/\?/, (route) => (cut ? route.abort('internetdisconnected') : route.continue()));
  await A.page.routeWebSocket(/\/socket\.io\//, (ws) => {
    if (cut) return ws.close();
    open.push({ page: ws, server: ws.connectToServer() });
  });
  const offline = [/socket\.io\/\?/, /ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE/, /WebSocket connection/];
  try {
    await step('cut off', async () => {
      // The routes apply to connections made from now on: a reload makes one.
      await A.page.reload();
      await A.page.locator('#chat-screen').waitFor();
      await chatWith(A.page, 'bob').click();
      await bubble(A.page, 'Can you send me the slides?').waitFor();
      await A.page.waitForFunction(() => document.querySelector('#banner').hidden);
      await chatWith(B.page, 'alice').click();
      // A message gives alice's connection an offset to recover from.
      await send(B.page, 'One more thing:');
      await bubble(A.page, 'One more thing:').waitFor();
      await react(B.page, 'Can you send me the slides?', '🎉');
      await chip(A.page, 'Can you send me the slides?', '🎉', 1, false);
      await waitFor(() => open.length > 0, 'the WebSocket upgrade', 10000);

      cut = true;
      for (const ws of open.splice(0)) {
        ws.page.close();
        ws.server.close();
      }
      await A.page.locator('#banner', { hasText: 'reconnect' }).waitFor();
      // Meanwhile bob takes one back and puts another.
      await bubble(B.page, 'Can you send me the slides?').locator('.reaction-chip[data-emoji="🎉"]').click();
      await react(B.page, 'Can you send me the slides?', '👀');
      await chip(B.page, 'Can you send me the slides?', '👀', 1, true);
      await react(B.page, 'Sent them by mail.', '🙏');
      await send(B.page, 'are you there?');
      assert.equal(await bubble(A.page, 'Can you send me the slides?').locator('.reaction-chip[data-emoji="👀"]').count(), 0, 'not heard while cut off');
    }, offline);

    await step('back', async () => {
      // The session is recovered: what was missed is replayed (the `reactions` of messages
      // alice has, then the new message), no history is fetched again.
      const fetched = [];
      A.page.on('request', (req) => req.url().includes('/api/chat/private/') && fetched.push(req.url()));
      cut = false;
      await A.page.waitForFunction(() => document.querySelector('#banner').hidden, null, { timeout: 20000 });
      await bubble(A.page, 'are you there?').waitFor();
      await chip(A.page, 'Can you send me the slides?', '👀', 1, false);
      await chip(A.page, 'Sent them by mail.', '🙏', 1, false);
      await chip(A.page, 'Sent them by mail.', '❤️', 1, false);
      assert.equal(await bubble(A.page, 'Can you send me the slides?').locator('.reaction-chip[data-emoji="🎉"]').count(), 0);
      assert.deepEqual(fetched, []);
    }, offline);
  } finally {
    cut = false;
    await A.page.unrouteAll({ behavior: 'ignoreErrors' });
  }
});
