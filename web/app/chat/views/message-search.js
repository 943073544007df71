// Searching messages: the box under "Find people" (all chats, or only the open one), the results
// in place of the chat list (conversation, author, time, the snippet with its matches
// highlighted), more results page by page, and a result opens its conversation at that message.
import { $, h, listStamp } from '../../dom.js';
import { parseConversationId } from '../ids.js';
import * as rest from '../rest.js';
import { loadUntil } from '../reveal.js';
import { MessageSearch, newestKnownId, resultConversation, searchScope, snippetParts } from '../search.js';

const DEBOUNCE_MS = 400;

// onOpen(conversationId): open that conversation; loadOlder(c): its next older page
// (sync.loadOlder); messageList: the message list's view (reveal(id)); toast(message, kind).
export function createMessageSearch({ store, onOpen, loadOlder, messageList, toast }) {
  const form = $('message-search');
  const input = $('message-search-input');
  const scope = $('message-search-scope');
  const panel = $('message-search-panel');
  const status = $('message-search-status');
  const results = $('message-search-results');
  const more = $('message-search-more');
  const chats = document.querySelector('.sidebar .chats');

  let timer = 0;
  let jump = 0; // numbers the jumps: a newer one ends an older one
  let scopeName = '';
  const search = new MessageSearch({
    fetch: (params, signal) => rest.searchMessages(params, signal),
    onChange: (state) => render(state),
  });

  function conversationName(id) {
    const parsed = parseConversationId(id);
    if (!parsed || parsed.kind === 'public') return 'Public room';
    if (parsed.kind === 'direct') return store.usernameOf(parsed.peerId);
    return store.conversations.get(id)?.group?.name ?? 'A group';
  }

  function snippetEl(r) {
    const parts = typeof r.snippet === 'string' ? snippetParts(r.snippet) : [{ text: String(r.content ?? ''), mark: false }];
    return h('span', { class: 'search-result-snippet' },
      parts.map((p) => (p.mark ? h('mark', { text: p.text }) : p.text)));
  }

  function resultEl(r) {
    const id = resultConversation(r.conversation);
    if (!id) return null;
    if (r.sender?.username) store.people.rememberName(r.senderId, r.sender.username);
    const author = r.senderId === store.me.id ? 'You' : (r.sender?.username ?? store.usernameOf(r.senderId));
    return h('li', null,
      h('button', {
        type: 'button',
        class: 'search-result',
        dataset: { id: r.id, conversation: id },
        onclick: () => openResult(id, r.id),
      },
      h('span', { class: 'search-result-top' },
        h('span', { class: 'search-result-where', text: conversationName(id) }),
        h('time', { class: 'search-result-time', datetime: r.createdAt, title: new Date(r.createdAt).toLocaleString(), text: listStamp(r.createdAt) })),
      h('span', { class: 'search-result-text' },
        h('span', { class: 'search-result-author', text: `${author}: ` }),
        snippetEl(r))));
  }

  function statusText(state) {
    if (state.error) return state.error;
    if (state.loading && !state.results.length) return 'Searching…';
    const where = state.conversation ? ` in ${scopeName}` : '';
    if (!state.total) return `No messages found for “${state.q}”${where}.`;
    return `${state.total === 1 ? '1 message' : `${state.total} messages`} found${where}`;
  }

  function render(state) {
    const open = Boolean(state.q);
    panel.hidden = !open;
    chats.hidden = open;
    if (!open) {
      results.replaceChildren();
      status.textContent = '';
      return;
    }
    status.textContent = statusText(state);
    status.classList.toggle('error', Boolean(state.error));
    // Only what came in since the last drawing is added: the focus stays on a result.
    if (results.children.length > state.results.length) results.replaceChildren();
    for (const r of state.results.slice(results.children.length)) {
      const el = resultEl(r);
      results.append(el ?? h('li', { hidden: true }));
    }
    more.hidden = !state.hasMore;
    more.disabled = state.loading;
    more.textContent = state.loading && state.results.length ? 'Loading…' : 'More results';
  }

  function run() {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) return close({ keepText: true });
    const here = scope.value === 'current';
    scopeName = conversationName(store.current);
    const newest = newestKnownId(store);
    results.replaceChildren();
    search.start({ q, conversation: here ? searchScope(store.currentConversation) : null, before: newest == null ? null : newest + 1 });
  }

  function close({ keepText = false } = {}) {
    clearTimeout(timer);
    if (!keepText) input.value = '';
    search.clear();
  }

  // Opens the conversation and shows the message there, loading older history until it is in.
  async function openResult(id, messageId) {
    const mine = ++jump;
    onOpen(id);
    const c = store.conversation(id);
    const outcome = await loadUntil(c, messageId, { loadOlder, stillWanted: () => jump === mine && store.current === id });
    if (outcome === 'found' && messageList.reveal(messageId)) return;
    if (outcome === 'found' || outcome === 'missing') toast('That message is no longer there.', 'error');
    else if (outcome === 'far') toast('That message is too far back to show here.', 'error');
    else if (outcome === 'error') toast(`Could not load the messages: ${c.error}`, 'error');
  }

  return {
    wire() {
      input.addEventListener('input', () => {
        clearTimeout(timer);
        if (!input.value.trim()) return close({ keepText: true });
        timer = setTimeout(run, DEBOUNCE_MS);
      });
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Escape' && input.value) {
          e.preventDefault();
          close();
        } else if (e.key === 'ArrowDown') {
          e.preventDefault();
          results.querySelector('button')?.focus();
        }
      });
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        run();
      });
      scope.addEventListener('change', () => {
        if (input.value.trim()) run();
      });
      more.addEventListener('click', () => search.more());
      $('message-search-close').addEventListener('click', () => {
        close();
        input.focus();
      });
      results.addEventListener('keydown', (e) => {
        const buttons = [...results.querySelectorAll('button')];
        const i = buttons.indexOf(document.activeElement);
        if (i < 0) return;
        if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          e.preventDefault();
          const next = e.key === 'ArrowDown' ? Math.min(i + 1, buttons.length - 1) : i - 1;
          (next < 0 ? input : buttons[next]).focus();
        } else if (e.key === 'Escape') {
          e.preventDefault();
          close();
          input.focus();
        }
      });
    },
    clear: () => close(),
  };
}
