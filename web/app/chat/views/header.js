// The pane's header: who or what the open conversation is (name, avatar, online, profile
// details), and the composer's placeholder that names the same.
import { $, avatar } from '../../dom.js';
import { roomAvatar } from './sidebar.js';

export function createHeader({ store }) {
  const paneAvatar = $('pane-avatar');
  const title = $('pane-title');
  const subtitle = $('pane-subtitle');
  const input = $('composer-input');

  function render() {
    const c = store.currentConversation;
    if (c.peerId == null) {
      paneAvatar.replaceChildren(roomAvatar());
      title.textContent = 'Public room';
      subtitle.textContent = 'Everyone on this server';
      input.placeholder = 'Message the public room';
      return;
    }
    const u = store.people.person(c.peerId);
    const online = store.people.isOnline(c.peerId);
    paneAvatar.replaceChildren(avatar(u, { online }));
    title.textContent = u.username;
    const details = [u.profile?.full_name, u.profile?.location].filter(Boolean);
    if (online !== undefined) details.unshift(online ? 'Online' : 'Offline');
    subtitle.textContent = details.join(' · ') || 'Private chat';
    input.placeholder = `Message ${u.username}`;
  }

  return { render };
}
