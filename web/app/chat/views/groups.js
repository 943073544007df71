// Groups in dialogs: creating one (a name and people picked by search), and a group's details:
// its name and topic (editable by the owner and admins), its members with their roles, adding
// and removing members (owner and admins), and leaving.
import { $, h, avatar } from '../../dom.js';
import { ApiError } from '../../api.js';
import { clearErrors, showErrors, setBusy } from '../../forms.js';
import { groupConversationId } from '../ids.js';
import { ROLE_LABELS, canManage, canRemove } from '../groups.js';
import * as rest from '../rest.js';
import { createPeoplePicker } from './people-picker.js';

const errorText = (err, fallback) => (err instanceof ApiError ? err.messages.join(' ') : fallback);

// sync: for lookUpGroup; onOpen(conversationId): open a conversation; onChanged(c): a group's
// record changed here; onLeft(groupId): we left a group; toast(message, kind).
export function createGroupViews({ store, sync, onOpen, onChanged, onLeft, toast }) {
  // ---------- a new group ----------
  const createDialog = $('group-create-dialog');
  const createForm = $('group-create-form');
  const picked = new Map(); // user id → user, in the order picked
  const pickedList = $('group-create-picked');
  const createPicker = createPeoplePicker({
    store,
    input: $('group-create-search'),
    results: $('group-create-results'),
    exclude: (id) => picked.has(id),
    noneText: (q) => `Nobody to add for “${q}”`,
    onPick: (u) => {
      picked.set(u.id, u);
      renderPicked();
      $('group-create-search').focus();
    },
  });

  function renderPicked() {
    pickedList.replaceChildren(...[...picked.values()].map((u) =>
      h('li', { class: 'chip', dataset: { userId: u.id } },
        avatar(u, { size: 'small' }),
        h('span', { class: 'chip-name', text: u.username }),
        h('button', {
          type: 'button',
          class: 'chip-remove',
          'aria-label': `Remove ${u.username}`,
          onclick: () => {
            picked.delete(u.id);
            renderPicked();
          },
          text: '×',
        }))));
  }

  function openCreate() {
    createForm.reset();
    clearErrors(createForm);
    picked.clear();
    renderPicked();
    createPicker.clear();
    createDialog.showModal();
    createForm.elements.name.focus();
  }

  createForm.elements.name.addEventListener('input', () => clearErrors(createForm));
  createForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = createForm.elements.name.value.trim();
    if (!name) return showErrors(createForm, ['name must not be empty']);
    setBusy(createForm, true);
    try {
      const res = await rest.createGroup(name, [...picked.keys()]);
      const c = store.applyGroup(res.data);
      createDialog.close();
      onChanged(c);
      onOpen(c.id);
    } catch (err) {
      showErrors(createForm, err instanceof ApiError ? err.messages : ['The group could not be created.']);
    } finally {
      setBusy(createForm, false);
    }
  });

  // ---------- a group's details ----------
  const infoDialog = $('group-info-dialog');
  const editForm = $('group-edit-form');
  const memberList = $('group-member-list');
  const infoError = $('group-info-error');
  const saved = $('group-edit-saved');
  let shownGroupId = null; // the group the details dialog is about

  const shownConversation = () => (shownGroupId == null ? null : store.conversations.get(groupConversationId(shownGroupId)) ?? null);
  const addPicker = createPeoplePicker({
    store,
    input: $('group-add-search'),
    results: $('group-add-results'),
    exclude: (id) => shownConversation()?.group.members?.some((m) => m.id === id) ?? false,
    noneText: (q) => `Nobody to add for “${q}”`,
    onPick: (u) => act(async (c) => {
      const res = await rest.addMembers(c.groupId, [u.id]);
      store.applyGroup(res.data);
    }, `${u.username} could not be added.`),
  });

  // Runs a change to the shown group, then redraws it; a refusal is shown in the dialog.
  async function act(change, failure) {
    const c = shownConversation();
    if (!c) return;
    infoError.textContent = '';
    try {
      await change(c);
      onChanged(c);
      renderInfo();
    } catch (err) {
      infoError.textContent = errorText(err, failure);
    }
  }

  function memberEl(group, m) {
    const meId = store.me.id;
    const name = m.id === meId ? `${m.username} (you)` : m.username;
    return h('li', { class: 'member', dataset: { userId: m.id } },
      avatar(m, { size: 'small', online: store.people.isOnline(m.id) }),
      h('span', { class: 'member-name', text: name }),
      h('span', { class: `role role-${m.role}`, text: ROLE_LABELS[m.role] ?? m.role }),
      canRemove(group, meId, m)
        ? h('button', {
          type: 'button',
          class: 'link-button member-remove',
          'aria-label': `Remove ${m.username} from the group`,
          text: 'Remove',
          onclick: () => act(async (c) => {
            await rest.removeMember(c.groupId, m.id);
            await sync.lookUpGroup(c.groupId);
          }, `${m.username} could not be removed.`),
        })
        : null);
  }

  // Draws the shown group from the store (fetching its members when the store has none).
  function renderInfo() {
    const c = shownConversation();
    if (!c) return;
    const g = c.group;
    const manager = canManage(g, store.me.id);
    $('group-info-title').textContent = g.name;
    editForm.hidden = !manager;
    $('group-add').hidden = !manager;
    const topic = $('group-info-topic');
    topic.textContent = manager ? '' : g.topic || 'No topic';
    topic.hidden = manager;
    if (manager && !editForm.contains(document.activeElement)) {
      editForm.elements.name.value = g.name;
      editForm.elements.topic.value = g.topic ?? '';
    }
    $('group-members-title').textContent = `Members (${g.members?.length ?? g.memberCount})`;
    if (!g.members) {
      // The list shown stays until the fetched one replaces it (no flicker on group_updated).
      if (memberList.dataset.groupId !== String(g.id)) {
        memberList.replaceChildren(h('li', { class: 'no-results', text: 'Loading members…' }));
      }
      sync.lookUpGroup(c.groupId).then((fetched) => fetched?.group.members && renderInfo());
      return;
    }
    memberList.dataset.groupId = String(g.id);
    memberList.replaceChildren(...g.members.map((m) => memberEl(g, m)));
  }

  function openInfo(groupId) {
    shownGroupId = groupId;
    infoError.textContent = '';
    saved.textContent = '';
    clearErrors(editForm);
    addPicker.clear();
    editForm.elements.name.value = '';
    renderInfo();
    infoDialog.showModal();
  }

  editForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const c = shownConversation();
    if (!c) return;
    saved.textContent = '';
    setBusy(editForm, true);
    try {
      const res = await rest.updateGroup(c.groupId, { name: editForm.elements.name.value.trim(), topic: editForm.elements.topic.value.trim() });
      store.applyGroup(res.data);
      clearErrors(editForm);
      saved.textContent = 'Saved';
      onChanged(c);
      renderInfo();
    } catch (err) {
      showErrors(editForm, err instanceof ApiError ? err.messages : ['The group could not be saved.']);
    } finally {
      setBusy(editForm, false);
    }
  });

  $('group-leave').addEventListener('click', async () => {
    const c = shownConversation();
    if (!c) return;
    infoError.textContent = '';
    try {
      await rest.removeMember(c.groupId, store.me.id);
      infoDialog.close();
      onLeft(c.groupId);
      toast(`You left “${c.group.name}”.`);
    } catch (err) {
      infoError.textContent = errorText(err, 'Could not leave the group.');
    }
  });

  for (const dialog of [createDialog, infoDialog]) {
    dialog.addEventListener('click', (e) => {
      if (e.target === dialog) dialog.close(); // a click on the backdrop
    });
    for (const button of dialog.querySelectorAll('.dialog-close, .dialog-cancel')) button.addEventListener('click', () => dialog.close());
  }
  infoDialog.addEventListener('close', () => {
    shownGroupId = null;
    delete memberList.dataset.groupId;
  });
  $('new-group-button').addEventListener('click', openCreate);
  $('group-info-button').addEventListener('click', () => {
    const c = store.currentConversation;
    if (c.groupId != null) openInfo(c.groupId);
  });

  return {
    // A group's record changed (group_updated): the details follow if they are open.
    refresh(groupId) {
      if (groupId === shownGroupId) renderInfo();
    },
    // We are no longer in a group: its details close.
    closeFor(groupId) {
      if (groupId === shownGroupId) infoDialog.close();
    },
    closeAll() {
      if (createDialog.open) createDialog.close();
      if (infoDialog.open) infoDialog.close();
    },
  };
}
