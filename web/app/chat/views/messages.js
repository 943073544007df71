// The open conversation's messages: keyed rendering (each message keeps its element, and its
// loaded image, until something it shows changes), day separators, grouping, Read/Sent markers,
// each message's menu and decorations (features add theirs: addMenuItems, addDecoration), the
// inline editor, the history status line, and scrolling (stay at the bottom, keep the place when
// older messages come in above, fetch more when scrolled near the top, bring one message into
// view).
import { $, h, dayKey, dayLabel } from '../../dom.js';
import { dayEl, messageEl } from './message-item.js';

const GROUP_GAP_MS = 5 * 60 * 1000;

// isConnected(): pending sends say "Sending…" or "Waiting for connection…";
// actions: {loadOlder(c), retry(m), discard(m), saveEdit(m, text) → Promise of an error message
// or null}.
export function createMessageList({ store, isConnected, actions }) {
  // Per-message menu entries: (m, {own}) → [{id, label, danger?, confirm?, run(m)}], in order.
  const menuProviders = [];
  // Per-message decorations: {sig(m) → string (what it shows), build(m, {own}) → element | null,
  // above: shown above the bubble (a reply's quote) instead of under it}.
  const decorations = [];
  // The message being edited: {key, draft, error, saving}, or null.
  let editing = null;

  const list = $('message-list');
  const scroller = $('messages');
  const loadOlderButton = $('load-older');
  const historyStatus = $('history-status');
  const emptyState = $('empty-state');

  function beginning(c) {
    if (c.kind === 'group') return `This is the beginning of ${c.group.name}.`;
    return c.peerId == null ? 'This is the beginning of the public room.' : 'This is the beginning of your conversation.';
  }

  function emptyText(c) {
    if (c.kind === 'group') return `No messages yet. Say hello to ${c.group.name}!`;
    return c.peerId == null ? 'No messages yet. Say hello to everyone!' : `No messages yet. Say hello to ${store.usernameOf(c.peerId)}!`;
  }

  function renderHistoryStatus() {
    const c = store.currentConversation;
    loadOlderButton.hidden = !c.loaded || !c.hasMore || c.loading;
    if (c.loading) historyStatus.textContent = 'Loading messages…';
    else if (c.error) {
      historyStatus.replaceChildren(
        `${c.error} `,
        h('button', { type: 'button', class: 'link-button', onclick: () => actions.loadOlder(c), text: 'Try again' }),
      );
    } else if (c.loaded && !c.hasMore && c.items.length > 0) {
      historyStatus.textContent = beginning(c);
    } else historyStatus.textContent = '';
    scroller.setAttribute('aria-busy', c.loading ? 'true' : 'false');
  }

  // What the list should show: one entry per day and per message, each with a signature of
  // everything its element shows.
  function wantedEntries(c) {
    const meId = store.me.id;
    const connected = isConnected();
    let lastOwnSent = null;
    let lastOwnRead = null;
    if (c.peerId != null) {
      const readUpTo = store.people.readUpTo(c.peerId);
      for (const m of c.items) {
        if (m.senderId !== meId || m.id == null) continue;
        lastOwnSent = m;
        if (m.id <= readUpTo) lastOwnRead = m;
      }
    }
    const wanted = [];
    let prev = null;
    for (const m of c.items) {
      const newDay = !prev || dayKey(prev.createdAt) !== dayKey(m.createdAt);
      if (newDay) wanted.push({ key: `day:${dayKey(m.createdAt)}`, sig: dayLabel(m.createdAt), build: () => dayEl(m.createdAt) });
      const grouped = !newDay && prev.senderId === m.senderId && new Date(m.createdAt) - new Date(prev.createdAt) < GROUP_GAP_MS;
      let marker = null;
      if (m === lastOwnRead) marker = 'read';
      else if (m === lastOwnSent) marker = 'sent';
      const own = m.senderId === meId;
      const menu = menuFor(m, own);
      const edit = editing?.key === m.key && !m.deleted ? editor(m) : null;
      const sig = [
        m.status, m.error, m.id, grouped, marker, m.url, m.username, m.status === 'pending' && connected,
        m.text, m.editedAt, m.deleted, menu.map((i) => i.id).join(), edit ? `editing:${edit.error ?? ''}` : '',
        ...decorations.map((d) => d.sig(m)),
      ].join('|');
      wanted.push({
        key: m.key,
        sig,
        build: () => messageEl(m, {
          own,
          grouped,
          marker,
          connected,
          onRetry: actions.retry,
          onDiscard: actions.discard,
          menu,
          editing: edit,
          above: decorations.filter((d) => d.above).map((d) => d.build(m, { own })),
          decorations: decorations.filter((d) => !d.above).map((d) => d.build(m, { own })),
        }),
      });
      prev = m;
    }
    return wanted;
  }

  // Stored messages get the menu entries the features offer for them; tombstones and unsent
  // messages none.
  function menuFor(m, own) {
    if (m.id == null || m.deleted || m.status !== 'sent') return [];
    return menuProviders.flatMap((provide) => provide(m, { own }) ?? []);
  }

  function editor(m) {
    return {
      draft: editing.draft,
      error: editing.error,
      onInput: (text) => {
        if (editing?.key === m.key) editing.draft = text;
      },
      onSave: (text) => saveEdit(m, text),
      onCancel: () => stopEdit(),
    };
  }

  function startEdit(m) {
    editing = { key: m.key, draft: m.text, error: null, saving: false };
    render();
    const input = list.querySelector('.msg.editing .msg-edit-input');
    input?.focus();
    input?.setSelectionRange(input.value.length, input.value.length);
  }

  function stopEdit() {
    if (!editing) return;
    editing = null;
    render();
    $('composer-input').focus({ preventScroll: true });
  }

  async function saveEdit(m, text) {
    if (!editing || editing.saving) return;
    if (text === m.text) return stopEdit();
    editing.saving = true;
    editing.draft = text;
    const error = await actions.saveEdit(m, text);
    if (editing?.key !== m.key) return;
    editing.saving = false;
    if (!error) return stopEdit();
    editing.error = error;
    render();
    list.querySelector('.msg.editing .msg-edit-input')?.focus();
  }

  // Open message menus close when the click or the focus goes elsewhere. inside(wrap): whether
  // it went into that menu (a click's path is kept: the item clicked may be gone by now).
  function closeMenus(inside) {
    for (const menu of list.querySelectorAll('.msg-menu:not([hidden])')) {
      if (inside(menu.parentElement)) continue;
      menu.hidden = true;
      menu.parentElement.querySelector('.msg-menu-button')?.setAttribute('aria-expanded', 'false');
    }
  }

  // Moves, replaces or builds elements so the list matches `wanted`, in order.
  function reconcile(wanted) {
    const existing = new Map();
    for (const el of list.children) existing.set(el.dataset.key, el);
    let cursor = list.firstElementChild;
    for (const w of wanted) {
      let el = existing.get(w.key);
      existing.delete(w.key);
      if (!el || el.dataset.sig !== w.sig) {
        const fresh = w.build();
        fresh.dataset.key = w.key;
        fresh.dataset.sig = w.sig;
        if (el) {
          if (el === cursor) cursor = el.nextElementSibling;
          el.replaceWith(fresh);
        }
        el = fresh;
      }
      if (el === cursor) cursor = cursor.nextElementSibling;
      else list.insertBefore(el, cursor);
    }
    for (const el of existing.values()) el.remove();
  }

  // toBottom: scroll to the newest message; keepOffset: older messages came in above, keep the
  // visible ones where they are. Near the bottom already, the list follows new messages.
  function render({ toBottom = false, keepOffset = false } = {}) {
    const c = store.currentConversation;
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 60;
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    reconcile(wantedEntries(c));

    emptyState.hidden = !c.loaded || c.items.length > 0;
    emptyState.textContent = emptyText(c);
    renderHistoryStatus();

    if (toBottom || atBottom) scroller.scrollTop = scroller.scrollHeight;
    else if (keepOffset) scroller.scrollTop = scroller.scrollHeight - fromBottom;
    // Not enough history to scroll yet: fetch more so scrolling up can reach it.
    if (c.loaded && c.hasMore && !c.loading && scroller.clientHeight > 0 && scroller.scrollHeight <= scroller.clientHeight + 10) actions.loadOlder(c);
  }

  // Scrolls a loaded message of the open conversation into view and highlights it for a moment.
  // → whether it is there.
  function reveal(id) {
    const li = [...list.children].find((el) => el.dataset.id === String(id));
    if (!li) return false;
    li.scrollIntoView({ block: 'center' });
    li.classList.remove('flash');
    void li.offsetWidth; // restarts the highlight's animation when it is shown again
    li.classList.add('flash');
    li.addEventListener('animationend', () => li.classList.remove('flash'), { once: true });
    return true;
  }

  return {
    render,
    renderHistoryStatus,
    reveal,
    clear() {
      editing = null;
      list.replaceChildren();
    },
    addMenuItems(provide) {
      menuProviders.push(provide);
    },
    addDecoration(decoration) {
      decorations.push(decoration);
    },
    startEdit,
    wire() {
      document.addEventListener('click', (e) => {
        const path = e.composedPath();
        closeMenus((wrap) => path.includes(wrap));
      });
      list.addEventListener('focusout', (e) => {
        if (e.relatedTarget) closeMenus((wrap) => wrap.contains(e.relatedTarget));
      });
      scroller.addEventListener('scroll', () => {
        const c = store.currentConversation;
        if (scroller.scrollTop < 120 && c.loaded && c.hasMore && !c.loading) actions.loadOlder(c);
      }, { passive: true });
      loadOlderButton.addEventListener('click', () => actions.loadOlder(store.currentConversation));
    },
  };
}
