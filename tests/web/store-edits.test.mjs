// Edits and deletes in the chat store: message_edited / message_deleted (and our own edit's
// answer) change the message wherever it is, the list's copy and the sidebar's preview;
// history rows carry editedAt and tombstones; nothing changes twice or for an unknown id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PUBLIC, directId } from '../../web/app/chat/ids.js';
import { previewText } from '../../web/app/chat/message.js';
import { ME, BOB, signedIn, row, loaded } from './fixtures.mjs';

const EDITED_AT = '2024-05-01T10:30:00.000Z';

test('history rows: edited text with editedAt, tombstones without text or image', () => {
  const { store } = signedIn();
  const edited = store.fromHistory({ ...row(1), content: 'fixed', editedAt: EDITED_AT });
  assert.equal(edited.text, 'fixed');
  assert.equal(edited.editedAt, EDITED_AT);
  assert.equal(edited.deleted, false);
  const gone = store.fromHistory({ ...row(2), content: '', deleted: true, editedAt: null });
  assert.deepEqual([gone.deleted, gone.text, gone.url], [true, '', null]);
  const image = store.fromHistory({ ...row(3), type: 'image', content: '', blobUrl: null, deleted: true });
  assert.deepEqual([image.type, image.deleted, image.url], ['image', true, null]);
  assert.equal(previewText(gone), 'Message deleted');
  assert.equal(store.fromHistory(row(4)).editedAt, null, 'never edited');
});

test('an edit changes the text and marks it edited, once; the preview follows', () => {
  const { store } = signedIn();
  const room = loaded(store, PUBLIC, [row(2, { from: ME, text: 'teh end' }), row(1)]);
  assert.equal(store.applyEdit({ id: 2, message: 'the end', editedAt: EDITED_AT }), room);
  const m = store.findMessage(2).m;
  assert.equal(m.text, 'the end');
  assert.equal(m.editedAt, EDITED_AT);
  assert.equal(room.last.text, 'the end');
  assert.equal(store.applyEdit({ id: 2, message: 'the end', editedAt: EDITED_AT }), null, 'the same edit again (our answer, then the event) changes nothing');
  assert.equal(store.applyEdit({ id: 99, message: 'x', editedAt: EDITED_AT }), null, 'a message we do not have');
  assert.equal(store.applyEdit({ id: 1 }), null, 'no text');
});

test('a delete leaves a tombstone in its place, once; an image loses its picture', () => {
  const { store } = signedIn();
  const bob = loaded(store, directId(BOB.id), [
    { ...row(3, { from: ME, to: BOB }), type: 'image', content: '/uploads/a_200x100.png', blobUrl: '/uploads/a_200x100.png', width: 200, height: 100 },
    row(2, { from: ME, to: BOB, text: 'oops' }),
    row(1, { to: ME }),
  ]);
  assert.equal(store.applyDelete({ id: 2 }), bob);
  assert.deepEqual(bob.items.map((m) => m.id), [1, 2, 3], 'the tombstone keeps its place');
  const tomb = store.findMessage(2).m;
  assert.deepEqual([tomb.deleted, tomb.text], [true, '']);
  assert.equal(store.applyDelete({ id: 2 }), null, 'twice is once');
  assert.equal(store.applyEdit({ id: 2, message: 'back?', editedAt: EDITED_AT }), null, 'a deleted message is not edited back');

  assert.equal(store.applyDelete({ id: 3 }), bob);
  const image = store.findMessage(3).m;
  assert.deepEqual([image.url, image.width, image.deleted], [null, null, true]);
  assert.equal(previewText(bob.last), 'Message deleted');
  assert.equal(store.applyEdit({ id: 1, message: 'not mine to change?', editedAt: EDITED_AT }), bob, 'the server decides who may edit; the store shows what it announced');
});

test('an image is never edited into text', () => {
  const { store } = signedIn();
  loaded(store, PUBLIC, [{ ...row(5, { from: ME }), type: 'image', content: '/uploads/b.png', blobUrl: '/uploads/b.png' }]);
  assert.equal(store.applyEdit({ id: 5, message: 'text now', editedAt: EDITED_AT }), null);
  assert.equal(store.findMessage(5).m.url, '/uploads/b.png');
});

test('a chat not loaded yet: its preview (from the conversation list) follows edits and deletes', () => {
  const { store } = signedIn();
  store.applyConversations([{ peer: BOB, lastMessage: row(8, { from: BOB, to: ME, text: 'helo' }), unreadCount: 1 }]);
  const bob = store.conversation(directId(BOB.id));
  assert.equal(bob.loaded, false);
  assert.equal(store.applyEdit({ id: 8, message: 'hello', editedAt: EDITED_AT }), bob);
  assert.equal(bob.last.text, 'hello');
  assert.equal(store.applyDelete({ id: 8 }), bob);
  assert.equal(previewText(bob.last), 'Message deleted');
  assert.equal(store.findMessage(8), null, 'only loaded messages are found');
});
