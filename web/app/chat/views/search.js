// Finding people: the search box above the chat list, results as you type (debounced, the
// previous request aborted), arrow keys between box and results, Enter opens the first one.
import { $, h, avatar } from '../../dom.js';
import { directId } from '../ids.js';
import * as rest from '../rest.js';

// onOpen(conversationId): a person was chosen; onShown(userIds): the people listed now.
export function createSearch({ store, onOpen, onShown }) {
  const box = $('user-search');
  const results = $('search-results');
  const status = $('search-status');
  let timer = 0;
  let inFlight = null;
  let shown = [];

  function show(people) {
    shown = people;
    onShown(people.map((u) => u.id));
  }

  function clear() {
    box.value = '';
    results.hidden = true;
    results.replaceChildren();
    status.textContent = '';
    if (shown.length) show([]);
  }

  // Presence changed: the dots of the listed people follow (in place, keeping the focus).
  function redrawPresence() {
    for (const button of results.querySelectorAll('button.person')) {
      const u = shown.find((p) => String(p.id) === button.dataset.userId);
      if (u) button.querySelector('.avatar')?.replaceWith(avatar(u, { size: 'small', online: store.people.isOnline(u.id) }));
    }
  }

  function personEl(u) {
    return h('li', null,
      h('button', {
        type: 'button',
        class: 'person',
        dataset: { userId: u.id },
        onclick: () => {
          clear();
          onOpen(directId(u.id));
        },
      },
      avatar(u, { size: 'small', online: store.people.isOnline(u.id) }),
      h('span', { class: 'person-text' },
        h('span', { class: 'person-name', text: u.username }),
        u.profile?.full_name ? h('span', { class: 'person-sub', text: u.profile.full_name }) : null)));
  }

  async function run() {
    const q = box.value.trim();
    inFlight?.abort();
    if (!q) return clear();
    inFlight = new AbortController();
    try {
      const res = await rest.searchUsers(q, inFlight.signal);
      const people = (res.data ?? []).filter((u) => u.id !== store.me.id);
      for (const u of people) store.people.remember(u);
      results.replaceChildren(...people.map(personEl));
      show(people);
      if (!people.length) results.replaceChildren(h('li', { class: 'no-results', text: `Nobody found for “${q}”` }));
      results.hidden = false;
      status.textContent = people.length === 1 ? '1 person found' : `${people.length} people found`;
    } catch (err) {
      if (err.name !== 'AbortError') {
        results.replaceChildren(h('li', { class: 'no-results', text: 'Search failed. Try again.' }));
        results.hidden = false;
      }
    }
  }

  function wire() {
    box.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(run, 200);
    });
    box.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        results.querySelector('button')?.focus();
      } else if (e.key === 'Escape') {
        clear();
      } else if (e.key === 'Enter') {
        e.preventDefault();
        results.querySelector('button')?.click();
      }
    });
    results.addEventListener('keydown', (e) => {
      const buttons = [...results.querySelectorAll('button')];
      const i = buttons.indexOf(document.activeElement);
      if (e.key === 'ArrowDown' && i >= 0) {
        e.preventDefault();
        buttons[Math.min(i + 1, buttons.length - 1)].focus();
      } else if (e.key === 'ArrowUp' && i >= 0) {
        e.preventDefault();
        (i === 0 ? box : buttons[i - 1]).focus();
      } else if (e.key === 'Escape') {
        clear();
        box.focus();
      }
    });
  }

  return { wire, clear, redrawPresence };
}
