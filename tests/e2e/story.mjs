// What the browser test files share: steps that fail on any console error of any page, and
// the few things a person does on the chat screen (register, send, find a message).
import assert from 'node:assert/strict';
import { api, startChatd } from '../lib/chatd.mjs';
import { launchBrowser, newPage, screenshot } from './browser.mjs';

// The people of the stories (chatd's rules: a username of 3–30, a password of at least 8).
export const people = {
  alice: { email: 'alice@example.com', username: 'alice', password: 'alice-password-1', full_name: 'Alice Martin' },
  bob: { email: 'bob@example.com', username: 'bob', password: 'bob-password-12', full_name: 'Bob Okafor' },
  carol: { email: 'carol@example.com', username: 'carol', password: 'carol-password', full_name: 'Carol Chen' },
};

const expected = (patterns) => new RegExp(patterns.map((p) => p.source).join('|'));

// pages: the open pages ({page, tracker, label}), changed by the test as it opens and closes
// them; alwaysAllowed(): failed requests expected during every step (a route the build lacks).
export function createStory({ alwaysAllowed = () => [] } = {}) {
  const pages = [];
  // Runs one step; errors logged since the last step (between steps) count against this one.
  // allow: known, expected failed requests the browser logs as console errors meanwhile.
  async function step(name, fn, allow = []) {
    const all = [...allow, ...alwaysAllowed()];
    for (const p of pages) p.tracker.allow = all.length ? expected(all) : null;
    try {
      await fn();
    } catch (err) {
      for (const p of pages) {
        p.tracker.errors.length = 0;
        await screenshot(p.page, `failed-${name}-${p.label}`).catch(() => {});
      }
      throw err;
    }
    const errors = pages.flatMap((p) => p.tracker.errors.splice(0));
    assert.deepEqual(errors, [], `console errors during "${name}"`);
  }
  return { pages, step };
}

// A fresh chatd and one browser page per label, each in its own context, added to the story's
// pages. → {server, browser, page: {label → {context, page, tracker, label}}, close()}.
export async function openStage(story, labels) {
  const server = await startChatd();
  const stage = { server, browser: null, page: {} };
  stage.close = async () => {
    await stage.browser?.close();
    await server.cleanup();
  };
  stage.browser = await launchBrowser();
  for (const label of labels) {
    stage.page[label] = await newPage(stage.browser, server, { label });
    story.pages.push(stage.page[label]);
  }
  return stage;
}

export const composer = (page) => page.locator('#composer-input');

export async function send(page, text) {
  await composer(page).fill(text);
  await composer(page).press('Enter');
}

export function message(page, text) {
  return page.locator('#message-list li.msg', { hasText: text });
}

// Waits until the message is stored (acked). Elements are replaced when their state changes, so
// this polls the list rather than holding on to one element.
export async function waitSent(page, text) {
  const li = page.locator('#message-list li.msg.sent', { hasText: text }).last();
  await li.waitFor();
  return li;
}

// Opens the ⋯ menu of one's own stored message. → the message's element.
export async function openMenu(page, text) {
  const li = await waitSent(page, text);
  await li.hover();
  await li.locator('.msg-menu-button').click();
  await li.locator('.msg-menu:not([hidden])').waitFor();
  return li;
}

// Edits one's own message in place: menu, Edit, the new text, Enter.
export async function editTo(page, text, replacement) {
  const li = await openMenu(page, text);
  await li.locator('.msg-menu-item[data-action="edit"]').click();
  const input = page.locator('#message-list li.msg.editing .msg-edit-input');
  await input.waitFor();
  assert.equal(await input.evaluate((el) => el === document.activeElement), true, 'the editor has the focus');
  await input.fill(replacement);
  await input.press('Enter');
  await page.locator('#message-list li.msg.editing').waitFor({ state: 'detached' });
}

// Each page of the stage registers the person it is labelled with, in order. → {tokens, ids}:
// a login token and the user id of each person, for the test's own REST calls.
export async function registerAll(stage, options) {
  const tokens = {};
  const ids = {};
  for (const [who, { page }] of Object.entries(stage.page)) {
    await page.goto('/');
    await register(page, people[who], options);
    const { email, password } = people[who];
    tokens[who] = (await api(stage.server, 'POST', '/api/auth/login', { body: { email, password } })).body.access_token;
    ids[who] = (await api(stage.server, 'GET', '/api/profile', { token: tokens[who] })).body.data.id;
  }
  return { tokens, ids };
}

export async function register(page, person, { withProfile = false } = {}) {
  await page.locator('#tab-register').click();
  await page.locator('#register-email').fill(person.email);
  await page.locator('#register-username').fill(person.username);
  await page.locator('#register-password').fill(person.password);
  if (withProfile) {
    await page.locator('#register-form summary').click();
    await page.locator('#register-full_name').fill(person.full_name);
  }
  await page.locator('#register-form button[type=submit]').click();
  await page.locator('#chat-screen').waitFor();
}
