// Reactions in the message list: a "React" entry in each stored message's menu opens a picker of
// common emoji under it; the message's reactions show as chips (emoji and count, pressed when one
// of them is ours) that put or take back our own; a "+" after the chips opens the picker too.
import { h } from '../../dom.js';
import { QUICK_EMOJI, reactionTitle } from '../reactions.js';

// messageList: the list's hooks; react(m, emoji, on) → a promise of the server's answer {id,
// emoji, on, reactions}, or an error with its reason; onAnswer(answer): applies it;
// toast(message, kind).
export function createReactionViews({ messageList, react, onAnswer, toast }) {
  let picking = null; // the key of the message whose picker is open

  function setPicking(key) {
    if (picking === key) return;
    picking = key;
    messageList.render();
  }

  const itemOf = (m) => document.querySelector(`#message-list li[data-key="${CSS.escape(m.key)}"]`);

  function openPicker(m) {
    setPicking(m.key);
    itemOf(m)?.querySelector('.reaction-picker button')?.focus();
  }

  function closePicker({ focusComposer = false } = {}) {
    setPicking(null);
    if (focusComposer) document.getElementById('composer-input')?.focus({ preventScroll: true });
  }

  // The message is drawn again when its reactions change: a keyboard user's focus goes on to its
  // chip of that emoji (or the first one, or the composer).
  async function choose(m, emoji, on) {
    const hadFocus = itemOf(m)?.contains(document.activeElement) ?? false;
    if (picking === m.key) closePicker();
    try {
      onAnswer(await react(m, emoji, on));
    } catch (err) {
      toast(`Reaction not saved: ${err.message}`, 'error');
    }
    if (!hadFocus || (document.activeElement && document.activeElement !== document.body)) return;
    const li = itemOf(m);
    const chip = li?.querySelector(`.reaction-chip[data-emoji="${CSS.escape(emoji)}"]`) ?? li?.querySelector('.reaction-chip');
    (chip ?? document.getElementById('composer-input'))?.focus({ preventScroll: true });
  }

  function chipsEl(m) {
    return m.reactions.map((r) => h('button', {
      type: 'button',
      class: `reaction-chip${r.mine ? ' mine' : ''}`,
      'aria-pressed': r.mine ? 'true' : 'false',
      'aria-label': reactionTitle(r),
      title: reactionTitle(r),
      dataset: { emoji: r.emoji },
      onclick: () => choose(m, r.emoji, !r.mine),
    }, h('span', { class: 'reaction-emoji', text: r.emoji }), h('span', { class: 'reaction-count', text: String(r.count) })));
  }

  function addEl(m) {
    return h('button', {
      type: 'button',
      class: 'reaction-add',
      'aria-label': 'Add a reaction',
      title: 'Add a reaction',
      text: '+',
      onclick: () => openPicker(m),
    });
  }

  // Arrow keys move along the emoji; Escape closes the picker.
  function pickerEl(m) {
    const picker = h('div', { class: 'reaction-picker', role: 'toolbar', 'aria-label': 'Pick a reaction' },
      QUICK_EMOJI.map((emoji) => {
        const mine = m.reactions.some((r) => r.emoji === emoji && r.mine);
        return h('button', {
          type: 'button',
          class: `reaction-choice${mine ? ' mine' : ''}`,
          'aria-pressed': mine ? 'true' : 'false',
          'aria-label': `React with ${emoji}`,
          title: mine ? `Take back your ${emoji}` : `React with ${emoji}`,
          dataset: { emoji },
          text: emoji,
          onclick: () => choose(m, emoji, !mine),
        });
      }),
      h('button', { type: 'button', class: 'reaction-close', 'aria-label': 'Close', title: 'Close', text: '×', onclick: () => closePicker({ focusComposer: true }) }));
    picker.addEventListener('keydown', (e) => {
      const buttons = [...picker.querySelectorAll('button')];
      const i = buttons.indexOf(document.activeElement);
      if (e.key === 'Escape') {
        e.preventDefault();
        closePicker({ focusComposer: true });
      } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        e.preventDefault();
        buttons[(i + (e.key === 'ArrowRight' ? 1 : buttons.length - 1)) % buttons.length]?.focus();
      }
    });
    return picker;
  }

  const canReact = (m) => m.id != null && !m.deleted && m.status === 'sent';

  messageList.addMenuItems((m) => [{ id: 'react', label: 'React', run: () => openPicker(m) }]);
  messageList.addDecoration({
    sig: (m) => (canReact(m) ? `${m.reactions.map((r) => `${r.emoji}:${r.count}:${r.mine ? 1 : 0}`).join()}${picking === m.key ? '|picking' : ''}` : ''),
    build(m) {
      const open = picking === m.key;
      if (!canReact(m) || (!open && !m.reactions.length)) return null;
      return h('div', { class: 'reactions' }, chipsEl(m), open ? pickerEl(m) : addEl(m));
    },
  });

  return {
    // A click outside the open picker closes it (the menu entry and the "+" that open one are
    // not outside).
    wire() {
      const opener = (el) => el instanceof Element && el.matches('.reaction-picker, .msg-menu-wrap, .reaction-add');
      document.addEventListener('click', (e) => {
        if (picking != null && !e.composedPath().some(opener)) closePicker();
      });
    },
  };
}
