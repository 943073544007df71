// Groups in the web client, with three people in three browsers against a real chatd: alice
// creates a group with bob and carol from the people search, the three talk in it (text and an
// image, unread badges), see its members and their roles, alice renames it and sets its topic,
// removes carol (the group leaves carol's screen at once), and bob leaves. Alice's view of the
// group is the README screenshot. Any console error fails the step it happens in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { api } from '../lib/chatd.mjs';
import { screenshot, makePng } from './browser.mjs';
import { createStory, openStage, people, send, message, waitSent, registerAll, editTo } from './story.mjs';

const docsShot = new URL('../../docs/screenshot-chat.png', import.meta.url).pathname;

let stage;
let server;
let P; // name → {context, page, tracker, label}
let ids; // name → user id
let tokens; // name → access token
let groupId;
const story = createStory();
const { step } = story;

const groupItem = (page) => page.locator(`#chat-list [data-view="g:${groupId}"]`);
const member = (page, who) => page.locator(`#group-member-list .member[data-user-id="${ids[who]}"]`);

async function openMembers(page) {
  await page.locator('#group-info-button').click();
  await page.locator('#group-info-dialog[open]').waitFor();
  await page.locator('#group-member-list .member').first().waitFor();
}

async function closeDialog(page) {
  await page.keyboard.press('Escape');
  await page.locator('#group-info-dialog[open]').waitFor({ state: 'detached' });
}

before(async () => {
  stage = await openStage(story, Object.keys(people));
  ({ server, page: P } = stage);
});

after(() => stage?.close());

test('three people register', { timeout: 60000 }, async () => {
  await step('register', async () => {
    ({ tokens, ids } = await registerAll(stage, { withProfile: true }));
  });
});

test('alice creates a group with bob and carol; it shows up for them at once', { timeout: 60000 }, async () => {
  const A = P.alice.page;
  await step('create', async () => {
    await A.locator('#new-group-button').click();
    await A.locator('#group-create-dialog[open]').waitFor();
    // Without a name the dialog says so and stays.
    await A.locator('#group-create-form button[type=submit]').click();
    await A.locator('#group-create-name-error', { hasText: 'name' }).waitFor();
    await A.locator('#group-create-name').fill('Release crew');
    for (const who of ['bob', 'carol']) {
      await A.locator('#group-create-search').fill(who.slice(0, 3));
      await A.locator('#group-create-results .person', { hasText: who }).click();
      await A.locator(`#group-create-picked .chip[data-user-id="${ids[who]}"]`).waitFor();
    }
    // Someone picked already is not offered again.
    await A.locator('#group-create-search').fill('bob');
    await A.locator('#group-create-results .no-results').waitFor();
    await screenshot(A, 'groups-01-create');
    await A.locator('#group-create-form button[type=submit]').click();
    await A.locator('#group-create-dialog[open]').waitFor({ state: 'detached' });
    await A.locator('#pane-title', { hasText: 'Release crew' }).waitFor();
    await A.locator('#pane-subtitle', { hasText: '3 members' }).waitFor();
    groupId = Number((await A.locator('#chat-list .chat-item.current').getAttribute('data-view')).slice(2));
    assert.ok(groupId > 0);
    // bob and carol never reloaded: group_updated put it in their lists.
    for (const who of ['bob', 'carol']) await groupItem(P[who].page).locator('.chat-item-name', { hasText: 'Release crew' }).waitFor();
  });
});

test('the three talk in the group: text, an image, unread badges', { timeout: 60000 }, async () => {
  const [A, B, C] = [P.alice.page, P.bob.page, P.carol.page];
  await step('chat', async () => {
    await send(B, 'Morning! Release day is Friday, see you in the group.');
    await waitSent(B, 'Release day is Friday');
    await send(A, 'Welcome, everyone! This group is for the Friday release.');
    await waitSent(A, 'Friday release');
    // bob is elsewhere: a badge; opening the group clears it and shows who wrote what.
    await groupItem(B).locator('.badge', { hasText: '1' }).waitFor();
    assert.match(await groupItem(B).textContent(), /alice: Welcome, everyone!/);
    await groupItem(B).click();
    const seen = message(B, 'Friday release');
    await seen.waitFor();
    assert.equal(await seen.locator('.msg-sender').textContent(), 'alice');
    await groupItem(B).locator('.badge').waitFor({ state: 'detached' });
    await send(B, 'Thanks! I will take the changelog.');
    await message(A, 'take the changelog').waitFor();

    await groupItem(C).locator('.badge', { hasText: '2' }).waitFor();
    await groupItem(C).click();
    await message(C, 'take the changelog').waitFor();
    await send(C, 'Load test from last night: p99 is down 30 %.');
    await waitSent(C, 'p99 is down');
    await C.locator('#upload-input').setInputFiles({ name: 'load-test.png', mimeType: 'image/png', buffer: makePng(480, 300) });
    for (const page of [A, B]) {
      await message(page, 'p99 is down').waitFor();
      await page.waitForFunction(() => {
        const el = [...document.querySelectorAll('#message-list li.msg.other img.msg-image')].at(-1);
        return el?.complete && el.naturalWidth === 480;
      });
    }
    await send(A, 'Great numbers. Ship it on Friday?');
    await message(B, 'Ship it on Friday').waitFor();
    await message(C, 'Ship it on Friday').waitFor();
    // The server agrees nothing is unread for those who had the group open.
    for (const who of ['bob', 'carol']) {
      const list = await api(server, 'GET', '/api/chat/conversations', { token: tokens[who] });
      const entry = list.body.data.find((c) => c.type === 'group' && c.group.id === groupId);
      assert.equal(entry.unreadCount, 0, who);
    }
  });

  // A private chat beside the group: bob writes to alice, who is in the group.
  await step('private beside group', async () => {
    await B.locator('#user-search').fill('ali');
    await B.locator('#search-results .person', { hasText: 'alice' }).click();
    await send(B, 'Can you look at my changelog draft before Friday?');
    await waitSent(B, 'changelog draft');
    const chat = A.locator(`#chat-list [data-view="u:${ids.bob}"]`);
    await chat.locator('.badge', { hasText: '1' }).waitFor();
    await groupItem(B).click();
    await B.locator('#pane-title', { hasText: 'Release crew' }).waitFor();
  });
});

test('members with roles; only the owner may manage', { timeout: 60000 }, async () => {
  const [A, B] = [P.alice.page, P.bob.page];
  await step('members', async () => {
    await openMembers(A);
    await A.locator('#group-member-list .member').nth(2).waitFor();
    assert.equal(await A.locator('#group-member-list .member').count(), 3);
    assert.equal(await member(A, 'alice').locator('.role').textContent(), 'Owner');
    assert.equal(await member(A, 'bob').locator('.role').textContent(), 'Member');
    assert.equal(await member(A, 'carol').locator('.member-remove').count(), 1);
    assert.equal(await member(A, 'alice').locator('.member-remove').count(), 0, 'no Remove on oneself');
    assert.ok(await A.locator('#group-edit-form').isVisible());
    await screenshot(A, 'groups-02-members');
    await closeDialog(A);

    // bob is a member: no rename, no add, no remove; he sees the roles.
    await openMembers(B);
    await member(B, 'carol').waitFor();
    assert.equal(await member(B, 'alice').locator('.role').textContent(), 'Owner');
    assert.equal(await B.locator('#group-member-list .member-remove').count(), 0);
    assert.equal(await B.locator('#group-edit-form').isVisible(), false);
    assert.equal(await B.locator('#group-add').isVisible(), false);
    await closeDialog(B);
  });
});

test('alice renames the group and sets a topic; everyone sees it live', { timeout: 60000 }, async () => {
  const A = P.alice.page;
  await step('rename', async () => {
    await openMembers(A);
    await A.locator('#group-edit-name').fill('Friday release');
    await A.locator('#group-edit-topic').fill('Changelog, load test, rollout');
    await A.locator('#group-edit-form button[type=submit]').click();
    await A.locator('#group-edit-saved', { hasText: 'Saved' }).waitFor();
    await A.locator('#group-info-title', { hasText: 'Friday release' }).waitFor();
    await closeDialog(A);
    for (const who of ['alice', 'bob', 'carol']) {
      const page = P[who].page;
      await page.locator('#pane-title', { hasText: 'Friday release' }).waitFor();
      await page.locator('#pane-subtitle', { hasText: '3 members · Changelog, load test, rollout' }).waitFor();
      await groupItem(page).locator('.chat-item-name', { hasText: 'Friday release' }).waitFor();
    }
    // The README screenshot: alice's view of the group.
    await A.evaluate(() => document.activeElement?.blur());
    await A.mouse.move(0, 0);
    copyFileSync(await screenshot(A, 'groups-03-chat'), docsShot);
  });
});

test('alice removes carol: the group leaves carol\'s screen at once', { timeout: 60000 }, async () => {
  const [A, B, C] = [P.alice.page, P.bob.page, P.carol.page];
  await step('remove', async () => {
    await openMembers(A);
    await member(A, 'carol').locator('.member-remove').click();
    await member(A, 'carol').waitFor({ state: 'detached' });
    assert.equal(await A.locator('#group-member-list .member').count(), 2);
    await closeDialog(A);
    // carol had the group open: it is gone from her list and her screen, with a word why.
    await groupItem(C).waitFor({ state: 'detached' });
    await C.locator('#pane-title', { hasText: 'Public room' }).waitFor();
    await C.locator('#toasts .toast', { hasText: 'no longer a member of “Friday release”' }).waitFor();
    await B.locator('#pane-subtitle', { hasText: '2 members' }).waitFor();
    // What is said next does not reach her.
    await send(B, 'Carol moved to the mobile team, good luck!');
    await message(A, 'mobile team').waitFor();
    // An edit in the group reaches its members.
    await editTo(B, 'mobile team', 'Carol moved to the mobile team. Good luck, Carol!');
    await message(A, 'Good luck, Carol!').locator('.msg-edited').waitFor();
    const list = await api(server, 'GET', '/api/chat/conversations', { token: tokens.carol });
    assert.equal(list.body.data.filter((c) => c.type === 'group').length, 0);
    await C.reload();
    await C.locator('#chat-screen').waitFor();
    await C.locator('#chat-list [data-view="public"]').waitFor();
    assert.equal(await groupItem(C).count(), 0);
  });
});

test('bob leaves the group', { timeout: 60000 }, async () => {
  const [A, B] = [P.alice.page, P.bob.page];
  await step('leave', async () => {
    await openMembers(B);
    await B.locator('#group-leave').click();
    await B.locator('#group-info-dialog[open]').waitFor({ state: 'detached' });
    await groupItem(B).waitFor({ state: 'detached' });
    await B.locator('#pane-title', { hasText: 'Public room' }).waitFor();
    await B.locator('#toasts .toast', { hasText: 'You left “Friday release”' }).waitFor();
    await A.locator('#pane-subtitle', { hasText: '1 member ·' }).waitFor();
    await openMembers(A);
    await A.locator('#group-member-list .member').first().waitFor();
    assert.equal(await A.locator('#group-member-list .member').count(), 1);
    await closeDialog(A);
  });
});
