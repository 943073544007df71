// Reaching a message that is not loaded yet (web/app/chat/reveal.js): older history pages load
// until it is there; a message missing where it would be, the beginning of the conversation, a
// bound on pages, a failed page and the person going elsewhere all stop it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadUntil } from '../../web/app/chat/reveal.js';
import { directId } from '../../web/app/chat/ids.js';
import { BOB, signedIn, row } from './fixtures.mjs';

// A conversation on a fake server with messages first..count: loadOlder gives pages of 30,
// newest first, as sync.loadOlder does.
function history(store, count, { first = 1, failAt } = {}) {
  const c = store.conversation(directId(BOB.id));
  const loads = [];
  const loadOlder = async (conv) => {
    loads.push(conv.id);
    if (loads.length === failAt) {
      store.setError(conv, 'Could not load messages.');
      return;
    }
    store.setError(conv, null);
    const oldest = conv.items.find((m) => m.id != null)?.id ?? count + 1;
    const rows = [];
    for (let id = oldest - 1; id >= first && rows.length < 30; id--) rows.push(row(id, { to: BOB }));
    store.applyOlderPage(conv, rows.map((r) => store.fromHistory(r)), 30);
  };
  return { c, loads, loadOlder };
}

test('loadUntil: older pages load until the message is there', async () => {
  const { store } = signedIn();
  const { c, loads, loadOlder } = history(store, 200);
  assert.equal(await loadUntil(c, 95, { loadOlder }), 'found');
  assert.equal(loads.length, 4, 'pages 200-171, 170-141, 140-111, 110-81');
  assert.ok(c.byId.has(95));
  assert.equal(await loadUntil(c, 150, { loadOlder }), 'found');
  assert.equal(loads.length, 4, 'already there: nothing loaded');
});

test('loadUntil: a message not in the list where it would be is missing; bounded, errors and leaving stop it', async () => {
  const { store } = signedIn();
  const h = history(store, 200);
  await h.loadOlder(h.c);
  h.c.byId.delete(190); // as if it were gone
  assert.equal(await loadUntil(h.c, 190, { loadOlder: h.loadOlder }), 'missing');
  assert.equal(h.loads.length, 1, 'no page loaded for it');
  assert.equal(await loadUntil(h.c, 500, { loadOlder: h.loadOlder, maxPages: 2 }), 'missing', 'newer than the oldest shown');

  const elsewhere = history(signedIn().store, 200, { first: 101 });
  assert.equal(await loadUntil(elsewhere.c, 50, { loadOlder: elsewhere.loadOlder }), 'missing', 'older than its first message');
  assert.equal(elsewhere.loads.length, 4, 'the beginning reached: 200-171, 170-141, 140-111, 110-101');
  assert.equal(elsewhere.c.hasMore, false);

  const far = history(signedIn().store, 5000);
  assert.equal(await loadUntil(far.c, 10, { loadOlder: far.loadOlder, maxPages: 5 }), 'far');
  assert.equal(far.loads.length, 5);

  const failing = history(signedIn().store, 300, { failAt: 2 });
  assert.equal(await loadUntil(failing.c, 10, { loadOlder: failing.loadOlder }), 'error');
  assert.equal(failing.loads.length, 2);

  const left = history(signedIn().store, 300);
  let wanted = true;
  const loadOlder = async (conv) => {
    await left.loadOlder(conv);
    wanted = false;
  };
  assert.equal(await loadUntil(left.c, 10, { loadOlder, stillWanted: () => wanted }), 'cancelled');
  assert.equal(left.loads.length, 1);
});
