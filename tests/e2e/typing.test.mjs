// The typing indicator in the web client, with three people in three browsers against a real
// chatd: "alice is typing…" shows under bob's message list while she types (kept on past the 6 s
// a silent indicator lasts, by her refreshes), "alice and carol are typing…" for two, and it goes
// away when her message arrives, when she empties the box, and a few seconds after she stops;
// in the public room, a private chat and a group, and only in the conversation she types in.
// Any console error fails the step it happens in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../lib/chatd.mjs';
import { screenshot } from './browser.mjs';
import { createStory, openStage, people, composer, message, registerAll } from './story.mjs';

let stage;
let server;
let P; // name → {context, page, tracker, label}
let ids; // name → user id
let tokens; // name → access token
const story = createStory();
const { step } = story;

const line = (page) => page.locator('#typing-line');
const lineText = async (page) => (await line(page).textContent()).trim();

async function waitLine(page, text, timeout = 5000) {
  await page.waitForFunction((want) => document.getElementById('typing-line').textContent.trim() === want, text, { timeout });
}

// Keys pressed one by one, `delay` ms apart (the composer's input events, as a person makes them).
const typeSlowly = (page, text, delay = 150) => composer(page).pressSequentially(text, { delay });

before(async () => {
  stage = await openStage(story, Object.keys(people));
  ({ server, page: P } = stage);
});

after(() => stage?.close());

test('three people register; everyone is in the public room', { timeout: 60000 }, async () => {
  await step('register', async () => {
    ({ tokens, ids } = await registerAll(stage));
  });
});

test('public room: shown while alice types, kept on by her refreshes, two typers, gone with her message', { timeout: 90000 }, async () => {
  const A = P.alice.page;
  const B = P.bob.page;
  const C = P.carol.page;
  await step('typing', async () => {
    assert.equal(await lineText(B), '');
    await typeSlowly(A, 'Hel');
    await waitLine(B, 'alice is typing…');
    await waitLine(C, 'alice is typing…');
    assert.equal(await lineText(A), '', 'not shown to the typer');

    // 8 s of keys: longer than an indicator lasts without a refresh (6 s), and it never drops.
    const started = Date.now();
    const samples = [];
    const typing = typeSlowly(A, 'lo everyone, the build is green again', 220);
    while (Date.now() - started < 7500) {
      samples.push(await lineText(B));
      await B.waitForTimeout(250);
    }
    await typing;
    assert.ok(samples.length > 20, `${samples.length} samples`);
    assert.deepEqual([...new Set(samples)], ['alice is typing…'], 'on all along');

    await typeSlowly(C, 'Nic', 100);
    const carolsLastKey = Date.now();
    await waitLine(B, 'alice and carol are typing…');
    await screenshot(B, 'typing-01-two');
    await composer(A).press('Enter');
    await message(B, 'the build is green again').waitFor();
    await waitLine(B, 'carol is typing…', 2000);

    // carol pauses: her indicator ends a few seconds after her last key (her off after 3 s).
    await waitLine(B, '', 8000);
    const after = Date.now() - carolsLastKey;
    assert.ok(after >= 2500 && after < 7000, `ended ${after} ms after the last key`);
    await composer(C).fill('');
  });
});

test('emptying the box ends it at once', { timeout: 60000 }, async () => {
  const A = P.alice.page;
  const B = P.bob.page;
  await step('empty', async () => {
    await typeSlowly(A, 'hmm', 100);
    await waitLine(B, 'alice is typing…');
    const cleared = Date.now();
    await composer(A).press('Control+A');
    await composer(A).press('Backspace');
    await waitLine(B, '', 2000);
    assert.ok(Date.now() - cleared < 2000);
  });
});

test('a private chat: only bob sees it, only in that chat; leaving the chat ends it', { timeout: 60000 }, async () => {
  const A = P.alice.page;
  const B = P.bob.page;
  const C = P.carol.page;
  await step('private', async () => {
    await A.locator('#user-search').fill('bob');
    await A.locator('#search-results .person', { hasText: 'bob' }).click();
    await A.locator('#pane-title', { hasText: 'bob' }).waitFor();
    await B.locator('#user-search').fill('alice');
    await B.locator('#search-results .person', { hasText: 'alice' }).click();
    await B.locator('#pane-title', { hasText: 'alice' }).waitFor();

    await typeSlowly(A, 'psst, bob', 120);
    await waitLine(B, 'alice is typing…');
    // carol, in the public room, sees nothing of it.
    assert.equal(await lineText(C), '');
    // bob in the public room: not there either; back in the chat: there.
    await B.locator('#chat-list [data-view="public"]').click();
    assert.equal(await lineText(B), '');
    await B.locator(`#chat-list [data-view="u:${ids.alice}"]`).click();
    await typeSlowly(A, '!', 0);
    await waitLine(B, 'alice is typing…');

    // alice goes to the public room with her text still in the box: off for bob.
    await A.locator('#chat-list [data-view="public"]').click();
    await waitLine(B, '', 2000);
    await composer(A).fill('');
  });
});

test('a group: its members see it in the group only', { timeout: 60000 }, async () => {
  const A = P.alice.page;
  const B = P.bob.page;
  const C = P.carol.page;
  await step('group', async () => {
    const res = await api(server, 'POST', '/api/groups', { token: tokens.carol, body: { name: 'Night shift', memberIds: [ids.alice, ids.bob] } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const groupId = res.body.data.id;
    for (const page of [A, C]) await page.locator(`#chat-list [data-view="g:${groupId}"]`).click();
    await B.locator('#chat-list [data-view="public"]').click();

    await typeSlowly(C, 'who is on call', 120);
    await waitLine(A, 'carol is typing…');
    assert.equal(await lineText(B), '', 'bob has the public room open');
    await B.locator(`#chat-list [data-view="g:${groupId}"]`).click();
    await typeSlowly(C, '?', 0);
    await waitLine(B, 'carol is typing…');
    await composer(C).press('Enter');
    await message(A, 'who is on call?').waitFor();
    await waitLine(A, '', 2000);
    await waitLine(B, '', 2000);
  });
});
