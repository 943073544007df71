// The chat list: the public room, then private chats and groups (new ones first, then by latest
// message), each with its preview, time, unread badge and presence; the unread total goes in the
// title.
import { $, h, avatar, listStamp } from '../../dom.js';
import { PUBLIC } from '../ids.js';
import { previewText } from '../message.js';

// The public room's picture: a # on the brand colour.
export const roomAvatar = () => h('span', { class: 'avatar medium room', 'aria-hidden': 'true', text: '#' });

// A group's picture: its initials on a colour of its own, in a rounded square.
export function groupAvatar(group, options) {
  const el = avatar({ id: `group:${group.id}`, username: group.name }, options);
  el.classList.add('group');
  return el;
}

export function createSidebar({ store, onOpen }) {
  const list = $('chat-list');
  const empty = $('chat-list-empty');

  function item({ key, name, avatarEl, preview, stamp, unread, online }) {
    const current = key === store.current;
    const button = h(
      'button',
      {
        type: 'button',
        class: `chat-item${current ? ' current' : ''}${unread ? ' unread' : ''}`,
        'aria-current': current ? 'true' : null,
        dataset: { view: key },
        onclick: () => onOpen(key),
      },
      avatarEl,
      h('span', { class: 'chat-item-main' },
        h('span', { class: 'chat-item-top' },
          h('span', { class: 'chat-item-name', text: name }),
          online ? h('span', { class: 'visually-hidden', text: ', online' }) : null,
          stamp ? h('time', { class: 'chat-item-time', datetime: stamp, text: listStamp(stamp) }) : null),
        h('span', { class: 'chat-item-bottom' },
          h('span', { class: 'chat-item-preview', text: preview }),
          unread ? h('span', { class: 'badge' },
            h('span', { 'aria-hidden': 'true', text: unread > 99 ? '99+' : String(unread) }),
            h('span', { class: 'visually-hidden', text: `, ${unread} unread` })) : null)),
    );
    return h('li', null, button);
  }

  function render() {
    // The list is rebuilt: keep keyboard focus on the same chat.
    const focusedKey = document.activeElement?.closest?.('#chat-list [data-view]')?.dataset.view;
    const meId = store.me.id;
    const room = store.conversation(PUBLIC);
    const pub = room.last;
    const items = [item({
      key: PUBLIC,
      name: 'Public room',
      avatarEl: roomAvatar(),
      preview: pub ? `${pub.senderId === meId ? 'You' : pub.username}: ${previewText(pub)}` : 'Everyone on this server',
      stamp: pub?.createdAt,
      unread: room.unreadCount,
    })];
    const chats = store.chatList();
    for (const c of chats) {
      if (c.kind === 'group') {
        const last = c.last;
        let preview = 'No messages yet';
        if (last) preview = `${last.senderId === meId ? 'You' : last.username}: ${previewText(last)}`;
        items.push(item({
          key: c.id,
          name: c.group.name,
          avatarEl: groupAvatar(c.group),
          preview,
          stamp: last?.createdAt,
          unread: c.unreadCount,
        }));
        continue;
      }
      const online = store.people.isOnline(c.peer.id);
      items.push(item({
        key: c.id,
        name: c.peer.username,
        avatarEl: avatar(c.peer, { online }),
        online,
        preview: c.last ? `${c.last.senderId === meId ? 'You: ' : ''}${previewText(c.last)}` : 'No messages yet',
        stamp: c.last?.createdAt,
        unread: c.unreadCount,
      }));
    }
    list.replaceChildren(...items);
    empty.hidden = chats.length > 0;
    if (focusedKey) list.querySelector(`[data-view="${CSS.escape(focusedKey)}"]`)?.focus();
    const total = store.totalUnread();
    document.title = total > 0 ? `(${total}) chatd` : 'chatd';
  }

  return {
    render,
    focusCurrent() {
      list.querySelector('.current')?.focus();
    },
  };
}
