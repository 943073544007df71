// Editing and deleting one's own messages in the web client, seen by a peer in another browser,
// against a real chatd: the message menu (Edit and Delete only on one's own messages), the
// inline editor (Enter saves, Escape cancels, an empty text is refused), the "edited" mark, the
// "Message deleted" tombstone for a text and an image, in the public room and a private chat,
// and both still there after a reload. Any console error fails the step it happens in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, makePng } from './browser.mjs';
import { createStory, openStage, send, message, waitSent, registerAll, openMenu, editTo } from './story.mjs';

let stage;
let A; // alice
let B; // bob
const story = createStory();
const { step } = story;

async function remove(page, text) {
  const li = await openMenu(page, text);
  await li.locator('.msg-menu-item[data-action="delete"]').click();
  await li.locator('.msg-menu-question', { hasText: 'Delete this message for everyone?' }).waitFor();
  await li.locator('.msg-menu-item.confirm').click();
}

const tombstones = (page) => page.locator('#message-list li.msg.deleted', { hasText: 'Message deleted' });

before(async () => {
  stage = await openStage(story, ['alice', 'bob']);
  ({ alice: A, bob: B } = stage.page);
});

after(() => stage?.close());

test('alice and bob register', { timeout: 60000 }, async () => {
  await step('register', () => registerAll(stage));
});

test('an edit in the public room: inline, marked "edited", live for the peer', { timeout: 60000 }, async () => {
  await step('edit', async () => {
    await send(B.page, 'Morning! Is the release still on?');
    await message(A.page, 'release still on').waitFor();
    await send(A.page, 'Teh release is on Firday.');
    await message(B.page, 'Teh release').waitFor();

    // Only one's own messages can be edited and deleted.
    const other = await openMenu(A.page, 'release still on');
    assert.deepEqual(await other.locator('.msg-menu-item').allTextContents(), ['Reply', 'React']);
    await A.page.keyboard.press('Escape');
    const li = await openMenu(A.page, 'Teh release');
    assert.deepEqual(await li.locator('.msg-menu-item').allTextContents(), ['Reply', 'React', 'Edit', 'Delete']);
    await screenshot(A.page, 'edits-01-menu');
    // Escape closes the menu; Escape in the editor cancels the edit.
    await A.page.keyboard.press('Escape');
    await li.locator('.msg-menu').waitFor({ state: 'hidden' });
    await li.locator('.msg-menu-button').click();
    await li.locator('.msg-menu-item[data-action="edit"]').click();
    await A.page.locator('.msg-edit-input').fill('never saved');
    await A.page.locator('.msg-edit-input').press('Escape');
    await A.page.locator('#message-list li.msg.editing').waitFor({ state: 'detached' });
    await message(A.page, 'Teh release').waitFor();
    assert.equal(await message(A.page, 'never saved').count(), 0);

    // An empty text is refused in the editor, which stays open with the reason.
    await openMenu(A.page, 'Teh release');
    await A.page.locator('#message-list li.msg:not([hidden]) .msg-menu-item[data-action="edit"]').click();
    await A.page.locator('.msg-edit-input').fill('   ');
    await A.page.locator('.msg-edit-input').press('Enter');
    await A.page.locator('.msg-edit-error', { hasText: 'delete it instead' }).waitFor();
    await A.page.locator('.msg-edit-cancel').click();
    await A.page.locator('#message-list li.msg.editing').waitFor({ state: 'detached' });

    await editTo(A.page, 'Teh release', 'The release is on Friday.');
    for (const page of [A.page, B.page]) {
      const edited = message(page, 'The release is on Friday.');
      await edited.locator('.msg-edited', { hasText: 'edited' }).waitFor();
      assert.equal(await message(page, 'Teh release').count(), 0);
    }
    // The sidebar's preview follows.
    await B.page.locator('#chat-list [data-view="public"] .chat-item-preview', { hasText: 'alice: The release is on Friday.' }).waitFor();
  });
});

test('a delete leaves a tombstone for both, text and image', { timeout: 60000 }, async () => {
  await step('delete', async () => {
    await send(A.page, 'Wrong chat, sorry: the staging password is hunter2');
    await message(B.page, 'hunter2').waitFor();
    await remove(A.page, 'hunter2');
    for (const page of [A.page, B.page]) {
      await tombstones(page).first().waitFor();
      assert.equal(await message(page, 'hunter2').count(), 0);
    }
    await B.page.locator('#chat-list [data-view="public"] .chat-item-preview', { hasText: 'alice: Message deleted' }).waitFor();
    // A tombstone has no menu.
    assert.equal(await tombstones(A.page).locator('.msg-menu-button').count(), 0);

    await A.page.locator('#upload-input').setInputFiles({ name: 'oops.png', mimeType: 'image/png', buffer: makePng(200, 120) });
    const image = B.page.locator('#message-list li.msg.other img.msg-image');
    await image.waitFor();
    const own = A.page.locator('#message-list li.msg.own.sent[data-id]', { has: A.page.locator('img.msg-image') }).last();
    await own.waitFor();
    await own.hover();
    await own.locator('.msg-menu-button').click();
    assert.deepEqual(await own.locator('.msg-menu-item').allTextContents(), ['Reply', 'React', 'Delete'], 'an image cannot be edited');
    await own.locator('.msg-menu-item[data-action="delete"]').click();
    await own.locator('.msg-menu-item.confirm').click();
    await image.waitFor({ state: 'detached' });
    await B.page.waitForFunction(() => document.querySelectorAll('#message-list li.msg.deleted').length === 2);
    await screenshot(B.page, 'edits-02-peer');
  });
});

test('in a private chat too; edits and tombstones survive a reload', { timeout: 60000 }, async () => {
  await step('private', async () => {
    await B.page.locator('#user-search').fill('ali');
    await B.page.locator('#search-results .person', { hasText: 'alice' }).click();
    await send(B.page, 'Can yuo review my patch?');
    await editTo(B.page, 'Can yuo review', 'Can you review my patch?');
    const item = A.page.locator('#chat-list .chat-item', { hasText: 'bob' });
    await item.locator('.chat-item-preview', { hasText: 'Can you review my patch?' }).waitFor();
    await item.click();
    await message(A.page, 'Can you review my patch?').locator('.msg-edited').waitFor();

    await B.page.reload();
    await B.page.locator('#chat-screen').waitFor();
    await message(B.page, 'Can you review my patch?').locator('.msg-edited').waitFor();
    await B.page.locator('#chat-list [data-view="public"]').click();
    await message(B.page, 'The release is on Friday.').locator('.msg-edited').waitFor();
    assert.equal(await tombstones(B.page).count(), 2);
  });
});
