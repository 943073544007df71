// Message search in the web client against a real chatd: bob has written alice 71 private
// messages; from the public room alice finds the oldest by a word, sees the conversation, the
// author and the snippet with the word highlighted (his markup shown as text, never as HTML),
// and a click opens the chat with bob at that message, three history pages back, highlighted.
// On a phone the same from the chat list, Back returning to the results; the keyboard alone.
// Pages of results with "More results", a search in the open chat only, and the clear messages
// for a refused query (400) and for too many searches (429). Any console error fails the step it
// happens in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../lib/chatd.mjs';
import { connect } from '../lib/chat-socket.mjs';
import { newPage, screenshot } from './browser.mjs';
import { createStory, openStage, people, registerAll } from './story.mjs';

const FILLERS = 70;
let stage;
let server;
let P; // name → {context, page, tracker, label}
let ids; // name → user id
let tokens; // name → access token
let targetId;
const story = createStory();
const { step } = story;

const box = (page) => page.locator('#message-search-input');
const status = (page) => page.locator('#message-search-status');
const results = (page) => page.locator('#message-search-results .search-result');

// Whether a message's element is within the visible part of the message list.
const inView = (li) => li.evaluate((el) => {
  const box = el.getBoundingClientRect();
  const pane = document.getElementById('messages').getBoundingClientRect();
  return box.top >= pane.top && box.bottom <= pane.bottom;
});

async function searchFor(page, q) {
  await box(page).fill(q);
  await box(page).press('Enter');
}

before(async () => {
  stage = await openStage(story, ['alice', 'bob']);
  ({ server, page: P } = stage);
});

after(() => stage?.close());

test('alice and bob register; bob writes alice 71 messages, the one she will look for first', { timeout: 90000 }, async () => {
  await step('register', async () => {
    ({ tokens, ids } = await registerAll(stage));
  });
  const socket = await connect(server, tokens.bob);
  try {
    const say = async (message) => {
      const ack = await socket.timeout(10000).emitWithAck('private_message', { recipientId: ids.alice, message });
      assert.equal(typeof ack?.id, 'number', JSON.stringify(ack));
      return ack.id;
    };
    targetId = await say('Remember the blue umbrella <b>by the door</b> & the keys');
    for (let i = 1; i <= FILLERS; i++) await say(`filler number ${i} about the weather`);
  } finally {
    socket.close();
  }
});

test('a word finds the old message; the result opens the chat at it, loading older history', { timeout: 60000 }, async () => {
  const A = P.alice.page;
  await step('find', async () => {
    await A.locator(`#chat-list [data-view="u:${ids.bob}"]`).waitFor();
    assert.equal(await A.locator('#pane-title').textContent(), 'Public room');
    await box(A).fill('umbrella');
    // As she types: no Enter needed.
    await status(A).filter({ hasText: '1 message found' }).waitFor();
    assert.equal(await A.locator('.sidebar .chats').isHidden(), true, 'the results take the chat list’s place');
    const r = results(A).first();
    assert.equal(await r.getAttribute('data-id'), String(targetId));
    assert.equal(await r.locator('.search-result-where').textContent(), 'bob');
    assert.equal(await r.locator('.search-result-author').textContent(), 'bob: ');
    assert.deepEqual(await r.locator('mark').allTextContents(), ['umbrella']);
    assert.match(await r.locator('.search-result-snippet').textContent(), /blue umbrella <b>by the door<\/b> & the keys/);
    assert.equal(await A.locator('#message-search-results b').count(), 0, 'his markup is text, not HTML');
    await screenshot(A, 'search-01-results');

    await r.click();
    await A.locator('#pane-title', { hasText: 'bob' }).waitFor();
    // Highlighted for a moment (1.6 s), in view.
    await A.locator(`#message-list li.msg.flash[data-id="${targetId}"]`).waitFor();
    const found = A.locator(`#message-list li.msg[data-id="${targetId}"]`);
    await found.locator('.msg-text', { hasText: 'Remember the blue umbrella <b>by the door</b>' }).waitFor();
    assert.ok(await A.locator('#message-list li.msg').count() > 60, 'older pages were loaded to reach it');
    assert.ok(await inView(found), 'scrolled into view');
    await screenshot(A, 'search-02-jump');
  });
});

test('on a phone: the results in the list screen, a result opens the chat at it, Back returns to them', { timeout: 60000 }, async () => {
  const phone = await newPage(stage.browser, server, { label: 'phone', viewport: { width: 390, height: 760 } });
  story.pages.push(phone);
  const M = phone.page;
  await step('phone', async () => {
    await M.goto('/');
    await M.locator('#login-email').fill(people.alice.email);
    await M.locator('#login-password').fill(people.alice.password);
    await M.locator('#login-form button[type=submit]').click();
    await M.locator('#chat-screen').waitFor();
    await M.locator('.sidebar').waitFor({ state: 'visible' });
    // The keyboard alone: the words, Enter, Down to the first result, Enter.
    await box(M).fill('blue umbrella');
    await box(M).press('Enter');
    await status(M).filter({ hasText: '1 message found' }).waitFor();
    await box(M).press('ArrowDown');
    assert.equal(await results(M).first().evaluate((el) => el === document.activeElement), true, 'Down goes to the results');
    await M.keyboard.press('Enter');
    await M.locator('.pane #pane-title', { hasText: 'bob' }).waitFor({ state: 'visible' });
    assert.equal(await M.locator('.sidebar').isHidden(), true, 'the chat covers the list');
    const found = M.locator(`#message-list li.msg[data-id="${targetId}"]`);
    await found.waitFor();
    assert.ok(await inView(found), 'scrolled into view');
    await screenshot(M, 'search-04-phone');
    await M.locator('#back-button').click();
    await M.locator('.sidebar').waitFor({ state: 'visible' });
    await results(M).first().waitFor({ state: 'visible' });
  });
  await phone.context.close();
  story.pages.splice(story.pages.indexOf(phone), 1);
});

test('many matches come a page at a time; "This chat" searches the open chat only', { timeout: 60000 }, async () => {
  const A = P.alice.page;
  await step('pages', async () => {
    await searchFor(A, 'filler weather');
    await status(A).filter({ hasText: `${FILLERS} messages found` }).waitFor();
    assert.equal(await results(A).count(), 20);
    for (const n of [40, 60, 70]) {
      await A.locator('#message-search-more').click();
      await A.waitForFunction((want) => document.querySelectorAll('#message-search-results .search-result').length === want, n);
    }
    await A.locator('#message-search-more').waitFor({ state: 'hidden' });
    const shown = await results(A).evaluateAll((els) => els.map((el) => el.dataset.id));
    assert.equal(new Set(shown).size, FILLERS, 'each once');

    // In the chat with bob: found; in the public room: not.
    await A.locator('#message-search-scope').selectOption('current');
    await status(A).filter({ hasText: `${FILLERS} messages found in bob` }).waitFor();
    await A.locator('#message-search-close').click();
    assert.equal(await A.locator('#message-search-panel').isHidden(), true);
    assert.equal(await A.locator('.sidebar .chats').isVisible(), true, 'the chat list is back');
    await A.locator('#chat-list [data-view="public"]').click();
    await searchFor(A, 'umbrella');
    await status(A).filter({ hasText: 'No messages found for “umbrella” in Public room.' }).waitFor();
    await A.locator('#message-search-scope').selectOption('all');
    await status(A).filter({ hasText: '1 message found' }).waitFor();
  });
});

test('a refused query says why (400); too many searches ask to wait (429), then it works again', { timeout: 60000 }, async () => {
  const A = P.alice.page;
  await step('errors', async () => {
    await searchFor(A, '!!!');
    await status(A).filter({ hasText: 'q must contain a word (letters or digits)' }).waitFor();
    await searchFor(A, 'u*');
    await status(A).filter({ hasText: 'a prefix needs at least 2 characters before *' }).waitFor();
    assert.equal(await results(A).count(), 0);
  }, [/status of 400/]); // the browser logs the refused requests

  await step('rate limit', async () => {
    // Her search budget used up by another of her clients, then she searches.
    let limited = false;
    for (let attempt = 0; attempt < 5 && !limited; attempt++) {
      await Promise.all(Array.from({ length: 15 }, () => api(server, 'GET', '/api/chat/search?q=filler', { token: tokens.alice })));
      await searchFor(A, `weather ${attempt}`);
      await A.waitForFunction(() => {
        const s = document.getElementById('message-search-status').textContent;
        return s.includes('found') || s.includes('Too many');
      });
      limited = (await status(A).textContent()).includes('Too many searches');
    }
    assert.ok(limited, 'a 429 was shown');
    assert.match(await status(A).textContent(), /Too many searches in a row: wait a moment, then try again\./);
    await screenshot(A, 'search-03-too-many');
    await A.waitForTimeout(1500);
    await searchFor(A, 'umbrella');
    await status(A).filter({ hasText: '1 message found' }).waitFor();
  }, [/status of 429/]);
});
