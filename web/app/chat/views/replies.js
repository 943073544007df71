// Replies on screen: a "Reply" entry in each stored message's menu puts a quote of it above the
// composer (× or Escape cancels; each conversation keeps its own), the next text message sent
// there answers it; a reply shows its quote above the bubble (author and text, "Photo", or
// "Message deleted"), and a click on the quote brings the original into view, loading older
// history until it is there (reveal.js).
import { $, h } from '../../dom.js';
import { quoteOf, quoteText } from '../replies.js';
import { loadUntil } from '../reveal.js';

// messageList: the list's hooks; loadOlder(c) → a promise settled when the page is in;
// toast(message, kind).
export function createReplyViews({ store, messageList, loadOlder, toast }) {
  const targets = new Map(); // conversation id → the quote being answered there
  const composer = $('composer');
  const input = $('composer-input');
  const bar = h('div', { id: 'reply-bar', class: 'reply-bar', hidden: true });
  composer.before(bar);

  function renderBar() {
    const q = targets.get(store.current);
    bar.hidden = !q;
    if (!q) return bar.replaceChildren();
    const own = q.senderId === store.me?.id;
    bar.replaceChildren(
      h('div', { class: 'reply-bar-text' },
        h('span', { class: 'reply-bar-title' }, 'Replying to ', h('strong', { text: own ? 'yourself' : (q.username ?? 'a message') })),
        h('span', { class: `reply-bar-preview${q.deleted ? ' deleted' : ''}`, text: quoteText(q) })),
      h('button', { type: 'button', class: 'button ghost icon reply-cancel', 'aria-label': 'Cancel the reply', title: 'Cancel the reply (Esc)', text: '×', onclick: cancel }));
  }

  function start(m) {
    targets.set(store.current, quoteOf(m));
    renderBar();
    input.focus();
  }

  function cancel() {
    targets.delete(store.current);
    renderBar();
    input.focus({ preventScroll: true });
  }

  // The answer of the message about to be sent in the open conversation: {replyTo: quote}, or {}.
  // The reply is done with then.
  function take() {
    const q = targets.get(store.current);
    if (!q) return {};
    targets.delete(store.current);
    renderBar();
    return { replyTo: q };
  }

  // The quote being answered follows what happens to its message: edited, or deleted (the
  // reply is dropped then: the server refuses an answer to a deleted message).
  function refresh() {
    for (const [id, q] of targets) {
      const found = store.findMessage(q.id);
      if (!found) continue;
      if (found.m.deleted) targets.delete(id);
      else targets.set(id, quoteOf(found.m));
    }
    renderBar();
  }

  async function reveal(id) {
    const c = store.currentConversation;
    const outcome = await loadUntil(c, id, { loadOlder, stillWanted: () => store.current === c.id });
    if (outcome === 'found' && messageList.reveal(id)) return;
    if (outcome === 'found' || outcome === 'missing') toast('The original message is no longer there.', 'error');
    else if (outcome === 'far') toast('The original message is too far back to show here.', 'error');
    else if (outcome === 'error') toast(`Could not load the messages: ${c.error}`, 'error');
  }

  function quoteEl(m) {
    const q = m.replyTo;
    const own = q.senderId === store.me.id;
    return h('button', {
      type: 'button',
      class: `msg-quote${q.deleted ? ' deleted' : ''}`,
      title: 'Show the original message',
      dataset: { replyTo: String(q.id) },
      onclick: () => reveal(q.id),
    },
    h('span', { class: 'visually-hidden', text: 'In reply to ' }),
    q.deleted ? null : h('span', { class: 'msg-quote-author', text: own ? 'You' : (q.username ?? store.usernameOf(q.senderId)) }),
    h('span', { class: 'msg-quote-text', text: quoteText(q) }));
  }

  messageList.addMenuItems(() => [{ id: 'reply', label: 'Reply', run: start }]);
  messageList.addDecoration({
    above: true,
    sig: (m) => (m.replyTo && !m.deleted ? `${m.replyTo.id}:${m.replyTo.deleted}:${m.replyTo.username}:${m.replyTo.preview}` : ''),
    build: (m) => (m.replyTo && !m.deleted ? quoteEl(m) : null),
  });

  return {
    take,
    refresh,
    renderBar,
    wire() {
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Escape' && targets.has(store.current)) {
          e.preventDefault();
          cancel();
        }
      });
    },
    clear() {
      targets.clear();
      renderBar();
    },
  };
}
