// Finding people by name: a search box with results as you type (debounced, the previous request
// aborted), arrow keys between box and results, Enter picks the first one, Escape clears. The
// sidebar's search (open a chat) and the group dialogs' (pick members) are both this.
import { h, avatar } from '../../dom.js';
import * as rest from '../rest.js';

// exclude(userId): leave someone out of the results (already picked, or a member); onPick(user):
// a person was chosen; onShown(users): the people listed now; status: an element that says how
// many were found (for screen readers); presence: show who is online; noneText(q): when nobody is.
export function createPeoplePicker({
  store,
  input,
  results,
  exclude = () => false,
  onPick,
  onShown = () => {},
  status = null,
  presence = false,
  noneText = (q) => `Nobody found for “${q}”`,
}) {
  let timer = 0;
  let inFlight = null;
  let shown = [];

  function show(people) {
    shown = people;
    onShown(people);
  }

  function clear() {
    clearTimeout(timer);
    inFlight?.abort();
    input.value = '';
    results.hidden = true;
    results.replaceChildren();
    if (status) status.textContent = '';
    if (shown.length) show([]);
  }

  const online = (u) => (presence ? store.people.isOnline(u.id) : undefined);

  function personEl(u) {
    return h('li', null,
      h('button', {
        type: 'button',
        class: 'person',
        dataset: { userId: u.id },
        onclick: () => {
          clear();
          onPick(u);
        },
      },
      avatar(u, { size: 'small', online: online(u) }),
      h('span', { class: 'person-text' },
        h('span', { class: 'person-name', text: u.username }),
        u.profile?.full_name ? h('span', { class: 'person-sub', text: u.profile.full_name }) : null)));
  }

  async function run() {
    const q = input.value.trim();
    inFlight?.abort();
    if (!q) return clear();
    inFlight = new AbortController();
    try {
      const res = await rest.searchUsers(q, inFlight.signal);
      const people = (res.data ?? []).filter((u) => u.id !== store.me.id && !exclude(u.id));
      for (const u of people) store.people.remember(u);
      results.replaceChildren(...(people.length ? people.map(personEl) : [h('li', { class: 'no-results', text: noneText(q) })]));
      show(people);
      results.hidden = false;
      if (status) status.textContent = people.length === 1 ? '1 person found' : `${people.length} people found`;
    } catch (err) {
      if (err.name !== 'AbortError') {
        results.replaceChildren(h('li', { class: 'no-results', text: 'Search failed. Try again.' }));
        results.hidden = false;
      }
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      results.querySelector('button')?.focus();
    } else if (e.key === 'Escape' && input.value) {
      // Only a box with something in it: Escape in an empty one closes its dialog.
      e.preventDefault();
      clear();
    } else if (e.key === 'Enter') {
      // Enter picks the first result (and never submits the form around the box).
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
      (i === 0 ? input : buttons[i - 1]).focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      clear();
      input.focus();
    }
  });

  return {
    clear,
    // Presence changed: the dots of the listed people follow (in place, keeping the focus).
    redrawPresence() {
      for (const button of results.querySelectorAll('button.person')) {
        const u = shown.find((p) => String(p.id) === button.dataset.userId);
        if (u) button.querySelector('.avatar')?.replaceWith(avatar(u, { size: 'small', online: online(u) }));
      }
    },
  };
}
