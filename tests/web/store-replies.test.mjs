// Replies in the chat store (web/app/chat/replies.js): the quote a reply carries (history rows,
// events, our pending reply), what it shows, the replyTo it is sent with, and quotes following
// edits and deletes of their original, loaded or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PUBLIC, directId, groupConversationId } from '../../web/app/chat/ids.js';
import { quoteOf, quoteText, readReplyTo, PREVIEW_LENGTH } from '../../web/app/chat/replies.js';
import { messageEvent } from '../../web/app/chat/sending.js';
import { ME, BOB, signedIn, row, event, loaded } from './fixtures.mjs';

const EDITED_AT = '2024-05-01T10:30:00.000Z';
const ref = (id, from = BOB, preview = `message ${id}`) => ({ id, senderId: from.id, username: from.username, type: 'text', preview });
const quoteIn = (store, id) => store.findMessage(id).m.replyTo;

test('history rows and events carry the quote; none is null; tombstones and images have no text', () => {
  const { store } = signedIn();
  const reply = store.fromHistory({ ...row(2), replyTo: ref(1) });
  assert.deepEqual(reply.replyTo, { id: 1, deleted: false, senderId: BOB.id, username: 'bob', type: 'text', preview: 'message 1' });
  assert.equal(store.fromHistory({ ...row(3), replyTo: null }).replyTo, null);
  assert.equal(store.fromHistory(row(4)).replyTo, null);
  const live = store.fromEvent({ ...event(5), replyTo: { id: 1, deleted: true } }, 'text');
  assert.equal(live.replyTo.deleted, true);
  assert.equal(quoteText(live.replyTo), 'Message deleted');
  const toImage = readReplyTo({ id: 6, senderId: ME.id, username: 'alice', type: 'image', preview: '[image]' });
  assert.deepEqual([toImage.type, quoteText(toImage)], ['image', 'Photo']);
  assert.equal(quoteText(readReplyTo(ref(7, BOB, '  two\n lines  '))), 'two lines', 'one line');
  for (const bad of [undefined, 'x', 7, {}, { preview: 'no id' }]) assert.equal(readReplyTo(bad), null, JSON.stringify(bad));
});

test('our reply: pending with its quote at once, sent with replyTo in every kind of conversation', () => {
  const { store } = signedIn();
  const room = loaded(store, PUBLIC, [row(1, { text: 'lunch at noon?' })]);
  const original = store.findMessage(1).m;
  const m = store.addPending(room, { type: 'text', text: 'yes!', replyTo: quoteOf(original) });
  assert.deepEqual(m.replyTo, { id: 1, deleted: false, senderId: BOB.id, username: 'bob', type: 'text', preview: 'lunch at noon?' });
  assert.deepEqual(messageEvent(room, m), ['public_message', { message: 'yes!', clientMsgId: m.clientMsgId, replyTo: 1 }]);
  const bob = store.conversation(directId(BOB.id));
  assert.equal(messageEvent(bob, m)[1].replyTo, 1);
  assert.equal(messageEvent(store.conversation(groupConversationId(3)), m)[1].replyTo, 1);
  const plain = store.addPending(room, { type: 'text', text: 'no reply' });
  assert.equal(plain.replyTo, null);
  assert.equal('replyTo' in messageEvent(room, plain)[1], false, 'not a reply: no replyTo sent');
});

test('a quote is cut at 100 code points, as the server cuts its previews', () => {
  const { store } = signedIn();
  loaded(store, PUBLIC, [row(1, { text: '😀'.repeat(150) })]);
  const q = quoteOf(store.findMessage(1).m);
  assert.equal([...q.preview].length, PREVIEW_LENGTH);
  assert.equal(q.preview, '😀'.repeat(100), 'no half emoji');
  assert.equal(quoteOf({ id: 2, deleted: true }).deleted, true);
  assert.equal(quoteOf({ id: 3, type: 'image', senderId: 1, username: 'alice', text: '', deleted: false }).type, 'image');
});

test('quotes follow an edit and a delete of their original, loaded or not', () => {
  const { store } = signedIn();
  // Message 1 is older than the loaded page: only its replies (2 and 3) are here.
  const room = loaded(store, PUBLIC, [{ ...row(3, { from: ME }), replyTo: ref(1) }, { ...row(2), replyTo: ref(1) }, row(4)]);
  assert.equal(store.applyEdit({ id: 1, message: 'lunch at one?', editedAt: EDITED_AT }), room);
  assert.deepEqual([quoteIn(store, 2).preview, quoteIn(store, 3).preview], ['lunch at one?', 'lunch at one?']);
  assert.equal(store.applyEdit({ id: 1, message: 'lunch at one?', editedAt: EDITED_AT }), null, 'the same edit again');
  assert.equal(store.applyDelete({ id: 1 }), room);
  assert.equal(quoteIn(store, 2).deleted, true);
  assert.equal(quoteText(quoteIn(store, 3)), 'Message deleted');
  assert.equal(store.applyDelete({ id: 1 }), null, 'twice is once');
  assert.equal(store.applyEdit({ id: 4, message: 'unrelated', editedAt: EDITED_AT }), room);
  assert.equal(quoteIn(store, 2).deleted, true, 'other edits leave the quotes alone');
});

test('a loaded original and its reply: one edit changes both', () => {
  const { store } = signedIn();
  const bob = loaded(store, directId(BOB.id), [{ ...row(6, { from: ME, to: BOB }), replyTo: ref(5) }, row(5, { to: ME, text: 'meet at 5' })]);
  assert.equal(store.applyEdit({ id: 5, message: 'meet at 6', editedAt: EDITED_AT }), bob);
  assert.equal(store.findMessage(5).m.text, 'meet at 6');
  assert.equal(quoteIn(store, 6).preview, 'meet at 6');
});

test('an image reply quote stays "Photo" through an edit event', () => {
  const { store } = signedIn();
  loaded(store, PUBLIC, [{ ...row(8), replyTo: { id: 7, senderId: BOB.id, username: 'bob', type: 'image', preview: '[image]' } }]);
  assert.equal(store.applyEdit({ id: 7, message: 'not an image?', editedAt: EDITED_AT }), null);
  assert.equal(quoteText(quoteIn(store, 8)), 'Photo');
});
