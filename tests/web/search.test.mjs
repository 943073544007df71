// Message search in the web client (web/app/chat/search.js): the snippet's highlight as text
// parts (never HTML), result conversations, errors as shown, a search's pages with a fixed
// `before`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageSearch, newestKnownId, resultConversation, searchErrorText, searchScope, snippetParts } from '../../web/app/chat/search.js';
import { ApiError } from '../../web/app/api.js';
import { PUBLIC, directId, groupConversationId } from '../../web/app/chat/ids.js';
import { BOB, signedIn, loaded, row } from './fixtures.mjs';

test('the snippet: <mark> becomes highlighted parts, entities become text, other markup stays text', () => {
  assert.deepEqual(snippetParts('…meet at the <mark>station</mark> after 5, if &lt;you&gt; want…'), [
    { text: '…meet at the ', mark: false },
    { text: 'station', mark: true },
    { text: ' after 5, if <you> want…', mark: false },
  ]);
  assert.deepEqual(snippetParts('<mark>Tom</mark> &amp; <mark>Jerry</mark>&#39;s &quot;show&quot;'), [
    { text: 'Tom', mark: true },
    { text: ' & ', mark: false },
    { text: 'Jerry', mark: true },
    { text: '\'s "show"', mark: false },
  ]);
  // Whatever else comes is shown as the characters it is made of, never as markup.
  assert.deepEqual(snippetParts('<img src=x onerror=alert(1)> <mark>a</mark><mark>b</mark>'), [
    { text: '<img src=x onerror=alert(1)> ', mark: false },
    { text: 'ab', mark: true },
  ]);
  assert.deepEqual(snippetParts('&amp;lt; &#x1F600; &bogus; &#0;'), [{ text: '&lt; 😀 &bogus; &#0;', mark: false }]);
  assert.deepEqual(snippetParts(''), []);
  assert.deepEqual(snippetParts(undefined), []);
});

test("results' conversations and the search scope of ours", () => {
  assert.equal(resultConversation('public'), PUBLIC);
  assert.equal(resultConversation('private:12'), directId(12));
  assert.equal(resultConversation('group:3'), groupConversationId(3));
  for (const bad of ['private:0', 'group:x', 'u:2', '', null, 7]) assert.equal(resultConversation(bad), null, String(bad));
  const { store } = signedIn();
  assert.equal(searchScope(store.conversation(PUBLIC)), 'public');
  assert.equal(searchScope(store.conversation(directId(BOB.id))), `private:${BOB.id}`);
  assert.equal(searchScope(store.conversation(groupConversationId(5))), 'group:5');
});

test('errors: the server’s reason for a 400, a plain request to wait for a 429', () => {
  assert.equal(searchErrorText(new ApiError(400, { message: 'q must contain a word (letters or digits)' })), 'q must contain a word (letters or digits)');
  assert.match(searchErrorText(new ApiError(429, { message: 'rate limit exceeded: too many searches, slow down' })), /Too many searches.*wait a moment/);
  assert.equal(searchErrorText(new ApiError(404, { message: 'Group not found' })), 'Group not found');
  assert.match(searchErrorText(new ApiError(0, { message: 'Cannot reach the server. Check your connection.' })), /Cannot reach/);
  assert.equal(searchErrorText(new TypeError('x')), 'The search failed. Try again.');
});

test('newest known id: the highest last message of any conversation', () => {
  const { store } = signedIn();
  assert.equal(newestKnownId(store), null);
  loaded(store, PUBLIC, [row(40), row(39)]);
  loaded(store, directId(BOB.id), [row(52, { to: BOB })]);
  store.conversation(groupConversationId(2));
  assert.equal(newestKnownId(store), 52);
});

// A search route answering from `matches` (ids, best first) with meta.totalItems, recording
// every request; gate: a promise each answer waits for, when set.
function fakeRoute(matches) {
  const route = {
    calls: [],
    gate: null,
    async fetch(params, signal) {
      route.calls.push({ ...params });
      if (route.gate) await route.gate;
      if (signal.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      if (route.fail) throw route.fail;
      const from = (params.page - 1) * params.limit;
      const data = matches.slice(from, from + params.limit).map((id) => ({ id, conversation: 'public', snippet: `<mark>m</mark> ${id}` }));
      return { meta: { totalItems: matches.length }, data };
    },
  };
  return route;
}

test('pages: the same q, scope and before on each, until every match is shown', async () => {
  const matches = Array.from({ length: 45 }, (_, i) => 100 - i);
  const route = fakeRoute(matches);
  const seen = [];
  const search = new MessageSearch({ fetch: route.fetch, onChange: (s) => seen.push({ loading: s.loading, n: s.results.length }) });
  await search.start({ q: 'm', conversation: 'group:2', before: 101 });
  assert.deepEqual(route.calls[0], { q: 'm', conversation: 'group:2', before: 101, page: 1, limit: 20 });
  assert.equal(search.state.results.length, 20);
  assert.equal(search.state.total, 45);
  assert.equal(search.state.hasMore, true);
  assert.deepEqual(seen, [{ loading: true, n: 0 }, { loading: false, n: 20 }]);
  await search.more();
  await search.more();
  assert.deepEqual(route.calls.map((c) => [c.page, c.before, c.conversation]), [[1, 101, 'group:2'], [2, 101, 'group:2'], [3, 101, 'group:2']]);
  assert.deepEqual(search.state.results.map((r) => r.id), matches);
  assert.equal(search.state.hasMore, false);
  await search.more();
  assert.equal(route.calls.length, 3, 'nothing more to ask');
});

test('a result seen on two pages is listed once', async () => {
  const pages = [[1, 2, 3], [3, 4]];
  const search = new MessageSearch({
    pageSize: 3,
    fetch: async (params) => ({ meta: { totalItems: 5 }, data: pages[params.page - 1].map((id) => ({ id })) }),
  });
  await search.start({ q: 'x' });
  await search.more();
  assert.deepEqual(search.state.results.map((r) => r.id), [1, 2, 3, 4]);
});

test('a new search abandons the one still on its way: its answer is never shown', async () => {
  const route = fakeRoute([1, 2, 3]);
  let open;
  route.gate = new Promise((resolve) => (open = resolve));
  const search = new MessageSearch({ fetch: route.fetch });
  const first = search.start({ q: 'old' });
  route.gate = null;
  await search.start({ q: 'new' });
  open();
  await first;
  assert.equal(search.state.q, 'new');
  assert.equal(search.state.loading, false);
  assert.deepEqual(search.state.results.map((r) => r.id), [1, 2, 3]);
  search.clear();
  assert.deepEqual(search.state.results, []);
  assert.equal(search.state.q, '');
});

test('a refused search says why, and the next page can be asked again', async () => {
  const route = fakeRoute(Array.from({ length: 30 }, (_, i) => i + 1));
  const search = new MessageSearch({ fetch: route.fetch });
  await search.start({ q: 'm' });
  route.fail = new ApiError(429, { message: 'rate limit exceeded: too many searches, slow down' });
  await search.more();
  assert.match(search.state.error, /Too many searches/);
  assert.equal(search.state.results.length, 20, 'what was found stays');
  assert.equal(search.state.hasMore, true);
  route.fail = null;
  await search.more();
  assert.equal(search.state.error, null);
  assert.equal(search.state.results.length, 30);
});
