// The pane's header: who or what the open conversation is (name, avatar, online, profile
// details), and the composer's placeholder that names the same.
import { $, avatar } from '../../dom.js';
import { groupSummary } from '../groups.js';
import { roomAvatar, groupAvatar } from './sidebar.js';

export function createHeader({ store }) {
  const paneAvatar = $('pane-avatar');
  const title = $('pane-title');
  const subtitle = $('pane-subtitle');
  const input = $('composer-input');
  const infoButton = $('group-info-button');

  function render() {
    const c = store.currentConversation;
    infoButton.hidden = c.kind !== 'group';
    if (c.kind === 'group') {
      paneAvatar.replaceChildren(groupAvatar(c.group));
      title.textContent = c.group.name;
      subtitle.textContent = groupSummary(c.group);
      input.placeholder = `Message ${c.group.name}`;
      return;
    }
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
