// One entry of the message list: a day separator, or a message (sender, text or image, or the
// tombstone of a deleted one, time, "edited", its sending state, Read/Sent marker, Retry/Discard
// when it failed), its menu of actions, the inline editor while it is edited, and the
// decorations other features put under it.
import { h, timeOf, dayLabel } from '../../dom.js';
import { safeUrl } from '../../url.js';

const IMAGE_BOX = 280; // images are shown at most this wide or tall (CSS px)

export function dayEl(iso) {
  return h('li', { class: 'day' }, h('span', { text: dayLabel(iso) }));
}

// own: sent by us; grouped: follows the same sender closely (no name repeated); marker: 'read' |
// 'sent' | null; connected: whether a pending send is on its way or waiting for the connection;
// menu: the actions offered on it [{id, label, danger?, confirm?, run(m)}] (confirm: the question
// asked before run); editing: {draft, error, onInput(text), onSave(text), onCancel()} while it is
// edited; above / decorations: elements shown above / under the bubble.
export function messageEl(m, { own, grouped, marker, connected, onRetry, onDiscard, menu = [], editing = null, above = [], decorations = [] }) {
  const li = h('li', {
    class: `msg ${own ? 'own' : 'other'}${grouped ? ' grouped' : ''} ${m.status}${m.deleted ? ' deleted' : ''}${editing ? ' editing' : ''}`,
    'data-id': m.id ?? null,
  });
  const who = own ? 'You' : m.username;
  if (!own && !grouped) li.append(h('p', { class: 'msg-sender', text: m.username }));
  else li.append(h('span', { class: 'visually-hidden', text: `${who}: ` }));
  const over = above.filter(Boolean);
  if (over.length) li.append(h('div', { class: 'msg-above' }, over));

  const row = h('div', { class: 'msg-row' });
  if (editing) row.append(editorEl(m, editing));
  else row.append(bubbleEl(m, own));
  if (menu.length && !editing) row.append(menuEl(m, menu));
  li.append(row);
  const shown = decorations.filter(Boolean);
  if (shown.length) li.append(h('div', { class: 'msg-decorations' }, shown));

  const meta = h('p', { class: 'msg-meta' });
  if (m.status !== 'failed') {
    meta.append(h('time', { datetime: m.createdAt, title: new Date(m.createdAt).toLocaleString(), text: timeOf(m.createdAt) }));
  }
  if (m.editedAt && !m.deleted) {
    meta.append(h('span', { class: 'msg-edited', title: `Edited ${new Date(m.editedAt).toLocaleString()}`, text: 'edited' }));
  }
  if (m.status === 'pending') {
    meta.append(h('span', { class: 'msg-status pending', text: connected ? 'Sending…' : 'Waiting for connection…' }));
  } else if (m.status === 'failed') {
    li.append(h('div', { class: 'msg-error', role: 'alert' },
      h('span', { class: 'msg-error-text', text: `Not sent: ${m.error}` }),
      h('span', { class: 'msg-actions' },
        h('button', { type: 'button', class: 'link-button retry', onclick: () => onRetry(m), text: 'Retry' }),
        h('button', { type: 'button', class: 'link-button discard', onclick: () => onDiscard(m), text: 'Discard' }))));
  } else if (marker === 'read') {
    meta.append(h('span', { class: 'msg-status read-marker', text: 'Read' }));
  } else if (marker === 'sent' && m.id != null) {
    meta.append(h('span', { class: 'msg-status sent-marker', text: 'Sent' }));
  }
  if (meta.childNodes.length) li.append(meta);
  return li;
}

function bubbleEl(m, own) {
  const bubble = h('div', { class: 'bubble' });
  if (m.deleted) bubble.append(h('p', { class: 'msg-text msg-tombstone', text: 'Message deleted' }));
  else if (m.type === 'image') bubble.append(imageEl(m, own));
  else bubble.append(h('p', { class: 'msg-text', text: m.text }));
  return bubble;
}

// The inline editor: Enter saves, Shift+Enter breaks the line, Escape cancels.
function editorEl(m, editing) {
  const input = h('textarea', { class: 'msg-edit-input', rows: 1, 'aria-label': 'Edit your message' });
  input.value = editing.draft;
  const grow = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight + 2, 200)}px`;
  };
  input.addEventListener('input', () => {
    editing.onInput(input.value);
    grow();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      editing.onSave(input.value);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      editing.onCancel();
    }
  });
  requestAnimationFrame(grow);
  return h('form', {
    class: 'msg-edit',
    onsubmit: (e) => {
      e.preventDefault();
      editing.onSave(input.value);
    },
  },
  input,
  editing.error ? h('p', { class: 'msg-edit-error', role: 'alert', text: editing.error }) : null,
  h('span', { class: 'msg-edit-actions' },
    h('span', { class: 'msg-edit-hint', text: 'Enter to save · Esc to cancel' }),
    h('button', { type: 'button', class: 'button ghost small msg-edit-cancel', onclick: () => editing.onCancel(), text: 'Cancel' }),
    h('button', { type: 'submit', class: 'button primary small msg-edit-save', text: 'Save' })));
}

// The "⋯" button and its menu. The menu lives in the element: a redraw of the message closes it.
function menuEl(m, items) {
  const wrap = h('div', { class: 'msg-menu-wrap' });
  const button = h('button', {
    type: 'button',
    class: 'msg-menu-button',
    'aria-label': 'Message actions',
    'aria-haspopup': 'menu',
    'aria-expanded': 'false',
    title: 'More',
    text: '⋯',
  });
  const menu = h('div', { class: 'msg-menu', role: 'menu', hidden: true });

  const close = (focusButton) => {
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (focusButton) button.focus();
  };
  const focusFirst = () => menu.querySelector('button')?.focus();

  function showItems() {
    menu.replaceChildren(...items.map((item) => h('button', {
      type: 'button',
      role: 'menuitem',
      class: `msg-menu-item${item.danger ? ' danger' : ''}`,
      dataset: { action: item.id },
      text: item.label,
      onclick: () => (item.confirm ? showConfirm(item) : (close(false), item.run(m))),
    })));
  }

  function showConfirm(item) {
    menu.replaceChildren(
      h('p', { class: 'msg-menu-question', text: item.confirm }),
      h('button', { type: 'button', role: 'menuitem', class: 'msg-menu-item danger confirm', text: item.label, onclick: () => (close(false), item.run(m)) }),
      h('button', { type: 'button', role: 'menuitem', class: 'msg-menu-item', text: 'Cancel', onclick: () => close(true) }));
    focusFirst();
  }

  button.addEventListener('click', () => {
    if (!menu.hidden) return close(false);
    showItems();
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    focusFirst();
  });
  menu.addEventListener('keydown', (e) => {
    const buttons = [...menu.querySelectorAll('button')];
    const i = buttons.indexOf(document.activeElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      close(true);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = (i + (e.key === 'ArrowDown' ? 1 : buttons.length - 1)) % buttons.length;
      buttons[next]?.focus();
    }
  });
  wrap.append(button, menu);
  return wrap;
}

// Sized from the message's width/height before it loads, so the list does not jump.
function imageEl(m, own) {
  let w = m.width > 0 ? m.width : IMAGE_BOX;
  let hgt = m.height > 0 ? m.height : Math.round(IMAGE_BOX * 0.75);
  const scale = Math.min(1, IMAGE_BOX / w, IMAGE_BOX / hgt);
  w = Math.max(1, Math.round(w * scale));
  hgt = Math.max(1, Math.round(hgt * scale));
  const img = h('img', {
    class: 'msg-image',
    src: safeUrl(m.localUrl) ?? safeUrl(m.url),
    alt: own ? 'Image you sent' : `Image from ${m.username}`,
    width: w,
    height: hgt,
    decoding: 'async',
    loading: m.localUrl ? null : 'lazy',
  });
  const href = safeUrl(m.url);
  return href && m.status === 'sent'
    ? h('a', { class: 'image-link', href, target: '_blank', rel: 'noopener', title: 'Open the full image' }, img)
    : img;
}
