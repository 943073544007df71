// The chat screen: connects the state store (chat/store.js), the Socket.IO connection, the REST
// sync, our sends, and the views (chat/views/), and decides what to redraw after each change:
// live events, navigation between conversations, and the start and end of a session.
import { PUBLIC, directId, groupConversationId, parseConversationId } from './chat/ids.js';
import { ChatStore } from './chat/store.js';
import { connect } from './chat/connection.js';
import * as rest from './chat/rest.js';
import * as tab from './chat/tab-storage.js';
import { createSync } from './chat/sync.js';
import { createSending } from './chat/sending.js';
import { PresenceWatch } from './chat/presence-watch.js';
import { applyReaction, setReactions } from './chat/reactions.js';
import { ApiError } from './api.js';
import { createBanner } from './chat/views/banner.js';
import { createComposer } from './chat/views/composer.js';
import { createGroupViews } from './chat/views/groups.js';
import { createHeader } from './chat/views/header.js';
import { createLayout } from './chat/views/layout.js';
import { createMessageList } from './chat/views/messages.js';
import { createMessageSearch } from './chat/views/message-search.js';
import { createReactionViews } from './chat/views/reactions.js';
import { createReplyViews } from './chat/views/replies.js';
import { createSearch } from './chat/views/search.js';
import { createSidebar } from './chat/views/sidebar.js';
import { createTyping } from './chat/views/typing.js';

export function createChat({ getMe, toast }) {
  const store = new ChatStore({
    onUnknownPeer: (id) => sync.lookUpUser(id),
    onUnknownGroup: (id) => sync.lookUpGroup(id),
  });
  let conn = null;

  const render = {
    chatList() {
      if (store.me) sidebar.render();
    },
    header: () => header.render(),
    messages: (options) => messageList.render(options),
    // Only the open conversation is drawn.
    ifCurrent(c, options) {
      if (c.id === store.current) messageList.render(options);
    },
    statusIfCurrent(c) {
      if (c.id === store.current) messageList.renderHistoryStatus();
    },
  };

  const openWithComposer = (id) => openView(id, { focusComposer: true });
  const layout = createLayout({
    isCurrent: (id) => id === store.current,
    onShown: onVisibility,
    onList: () => {
      render.chatList();
      sidebar.focusCurrent();
    },
  });
  const isViewing = (id) => layout.isViewing(id);
  const sync = createSync({
    store,
    render,
    isViewing,
    markRead,
    toast,
    onConversations: () => watchPresence(),
    onGroupGone: (id) => dropGroup(id),
  });
  const sending = createSending({ store, connection: () => conn, render, toast });
  const banner = createBanner();
  const sidebar = createSidebar({ store, onOpen: openWithComposer });
  const search = createSearch({
    store,
    onOpen: openWithComposer,
    onShown: (ids) => {
      searchShown = ids;
      watchPresence();
    },
  });
  const header = createHeader({ store });
  const groupViews = createGroupViews({
    store,
    sync,
    onOpen: openWithComposer,
    onChanged: (c) => groupChanged(c),
    onLeft: (id) => dropGroup(id),
    toast,
  });
  const typing = createTyping({ store, connection: () => conn });
  const composer = createComposer({
    onText: (text) => {
      typing.stop();
      sending.text(text, replies.take());
    },
    onImage: (file) => sending.image(file, replies.take),
  });
  const messageList = createMessageList({
    store,
    isConnected: () => conn?.connected ?? false,
    actions: {
      loadOlder: sync.loadOlder,
      retry: sending.retry,
      discard: (m) => {
        sending.discard(m);
        composer.focus();
      },
      saveEdit: (m, text) => editMessage(m, text),
    },
  });
  const messageSearch = createMessageSearch({ store, onOpen: (id) => openView(id), loadOlder: sync.loadOlder, messageList, toast });
  // Every stored message: reply and react (first in its menu), then for our own, edit and delete.
  const replies = createReplyViews({ store, messageList, loadOlder: sync.loadOlder, toast });
  const reactions = createReactionViews({
    messageList,
    react: (m, emoji, on) => change('react', { id: m.id, emoji, on }, () => rest.react(m.id, emoji, on)),
    onAnswer: (res) => changed(setReactions(store, res)),
    toast,
  });
  // Our own stored messages: edit (text only) and delete.
  messageList.addMenuItems((m, { own }) => {
    if (!own) return [];
    const items = [];
    if (m.type === 'text') items.push({ id: 'edit', label: 'Edit', run: () => messageList.startEdit(m) });
    items.push({ id: 'delete', label: 'Delete', danger: true, confirm: 'Delete this message for everyone?', run: () => deleteMessage(m) });
    return items;
  });

  // ---------- presence: followed for the people on screen ----------
  const watch = new PresenceWatch();
  let searchShown = [];

  function redrawPresence() {
    render.chatList();
    render.header();
    search.redrawPresence();
  }

  function watchPresence() {
    if (!conn?.connected || !store.me) return;
    const wanted = [store.currentConversation.peerId, ...searchShown, ...store.directConversations().map((c) => c.peerId)];
    const { add, drop } = watch.update(wanted.filter((id) => id !== store.me.id));
    if (drop.length) {
      conn.emit('presence_unsubscribe', { userIds: drop });
      store.people.forgetPresence(drop);
    }
    if (!add.length) return;
    conn.request('presence_subscribe', { userIds: add }, (res) => {
      if (!Array.isArray(res?.online)) return;
      store.people.applySubscription(add.filter((id) => watch.subscribed.has(id)), res.online);
      redrawPresence();
    });
    if (drop.length) redrawPresence();
  }

  // Tells the server how far we have read a private chat or a group: over the socket, or by REST
  // while disconnected.
  function markRead(c) {
    const report = store.markRead(c);
    if (!report) return;
    if (report.clearedUnread) render.chatList();
    const { clearedUnread, ...payload } = report;
    if (conn.connected) conn.emit('mark_read', payload);
    else rest.markRead(payload).catch(() => {});
  }

  // ---------- edits and deletes of our messages ----------
  // Over the socket, or by REST while disconnected. → a promise of the answer ({id, message,
  // editedAt} / {id, deleted}) or an error with the server's reason.
  function change(event, payload, viaRest) {
    if (!conn?.connected) return viaRest().then((res) => res.data);
    return new Promise((resolve, reject) => {
      conn.request(event, payload, (res) => {
        if (!res) reject(new Error('The server did not answer. Check your connection and retry.'));
        else if (res.status === 'error') reject(new Error(res.message ?? 'The server refused it.'));
        else resolve(res);
      });
    });
  }

  const reason = (err) => (err instanceof ApiError ? err.messages.join(' ') : err.message);

  // An edit changes the message wherever it shows: here at once from the answer, elsewhere from
  // message_edited. → null when saved, else why not (the editor stays open with it).
  async function editMessage(m, text) {
    if (!text.trim()) return 'A message cannot be empty: delete it instead.';
    try {
      const res = await change('edit_message', { id: m.id, message: text }, () => rest.editMessage(m.id, text));
      changed(store.applyEdit({ id: m.id, message: res.message ?? res.content ?? text, editedAt: res.editedAt }));
      return null;
    } catch (err) {
      return reason(err);
    }
  }

  async function deleteMessage(m) {
    try {
      await change('delete_message', { id: m.id }, () => rest.deleteMessage(m.id));
      changed(store.applyDelete({ id: m.id }));
    } catch (err) {
      toast(`Not deleted: ${reason(err)}`, 'error');
    }
  }

  function changed(c) {
    if (!c) return;
    render.chatList();
    render.ifCurrent(c);
    replies.refresh();
  }

  // ---------- groups ----------
  // A group's record changed (here, or group_updated): its name and members wherever shown.
  function groupChanged(c) {
    render.chatList();
    if (c.id === store.current) {
      render.header();
      render.messages();
    }
    groupViews.refresh(c.groupId);
  }

  // We are no longer in a group (we left, were removed, or the server does not know it): it
  // goes from the list, and from the screen if it was open. → its record, or null.
  function dropGroup(groupId) {
    const { removed, wasCurrent } = store.removeGroup(groupId);
    if (!removed) return null;
    groupViews.closeFor(groupId);
    if (wasCurrent) openView(PUBLIC);
    else render.chatList();
    return removed;
  }

  // ---------- live events ----------
  function receive(c, m, { matchOwn }) {
    const viewing = isViewing(c.id);
    const result = store.receive(c, m, { matchOwn, viewing });
    if (result.duplicate) return;
    typing.messageFrom(c, m.senderId);
    render.chatList();
    if (result.confirmed) return render.ifCurrent(c);
    if (result.added) render.ifCurrent(c, { toBottom: result.mine });
    if (viewing) markRead(c);
  }

  // The private chat a message belongs to: with its sender, or its recipient when we sent it.
  function directChat(m) {
    const mine = m.senderId === store.me.id;
    const peerId = mine ? m.recipientId : m.senderId;
    if (peerId == null) return null;
    if (!mine) store.people.rememberName(m.senderId, m.username);
    return store.conversation(directId(peerId));
  }

  const events = {
    public_message(ev) {
      if (ev?.id == null) return;
      receive(store.conversation(PUBLIC), store.fromEvent(ev, 'text'), { matchOwn: true });
    },
    private_message(ev) {
      if (ev?.id == null) return;
      const m = store.fromEvent(ev, 'text');
      const c = directChat(m);
      if (c) receive(c, m, { matchOwn: false });
    },
    group_message(ev) {
      if (ev?.id == null || ev.groupId == null) return;
      const m = store.fromEvent(ev, 'text');
      store.people.rememberName(m.senderId, m.username);
      receive(store.conversation(groupConversationId(ev.groupId)), m, { matchOwn: false });
    },
    image_sent(ev) {
      if (ev?.id == null) return;
      const m = store.fromEvent(ev, 'image');
      if (ev.groupId != null) return receive(store.conversation(groupConversationId(ev.groupId)), m, { matchOwn: true });
      if (m.recipientId == null || ev.isPublic === true) return receive(store.conversation(PUBLIC), m, { matchOwn: true });
      const c = directChat(m);
      if (c) receive(c, m, { matchOwn: true });
    },
    read({ readerId, lastMessageId } = {}) {
      if (!store.people.noteRead(readerId, lastMessageId)) return;
      tab.saveReadMarks(store.me.id, store.people.readMarks);
      if (store.current === directId(readerId)) render.messages();
    },
    message_edited(ev) {
      if (ev?.id == null) return;
      changed(store.applyEdit(ev));
    },
    message_deleted(ev) {
      if (ev?.id == null) return;
      changed(store.applyDelete(ev));
    },
    reaction(ev) {
      if (ev?.id == null) return;
      changed(applyReaction(store, ev));
    },
    // After a recovery: the reactions now of a message whose reactions changed meanwhile.
    reactions(ev) {
      if (ev?.id == null) return;
      changed(setReactions(store, ev));
    },
    group_updated(g) {
      if (g?.id == null) return;
      groupChanged(store.applyGroup(g));
    },
    group_removed({ groupId } = {}) {
      if (groupId == null) return;
      const removed = dropGroup(groupId);
      if (removed) toast(`You are no longer a member of “${removed.group.name}”.`);
    },
    typing(ev) {
      typing.event(ev);
    },
    presence({ userId, online } = {}) {
      if (userId == null) return;
      store.people.setPresence(userId, online);
      redrawPresence();
    },
  };

  function onStatus(status) {
    typing.reset();
    if (status === 'connected') {
      banner.hide();
      // Subscriptions end with a connection, recovered or not (and presence is not replayed):
      // subscribing again answers who is online now.
      watch.reset();
      watchPresence();
      if (!conn.everConnected) sending.flush();
      else if (conn.recovered) sending.flush(); // what we missed was replayed, in order
      else sync.catchUp().finally(sending.flush);
      render.messages();
      return;
    }
    const text = status === 'unreachable' ? 'Cannot reach the server — trying to reconnect…' : 'Disconnected — trying to reconnect…';
    banner.show(text, conn.everConnected ? 800 : 0);
    if (status === 'disconnected') render.messages();
  }

  // ---------- navigation ----------
  function openView(id, { focusComposer = false, noPush = false } = {}) {
    if (id !== store.current) typing.stop();
    const changed = store.open(id);
    tab.saveOpenConversation(id);
    const c = store.conversation(id);
    if (c.peerId != null && !store.people.users.get(c.peerId)?.profile) sync.lookUpUser(c.peerId);
    if (changed) messageList.clear();
    typing.render();
    layout.setPaneOpen(true, noPush);
    watchPresence();
    replies.renderBar();
    render.header();
    render.chatList();
    if (c.kind === 'public' && store.clearUnread(c)) render.chatList();
    if (!c.loaded) {
      render.messages();
      sync.loadOlder(c).then(() => {
        if (isViewing(c.id)) markRead(c);
      });
    } else {
      render.messages({ toBottom: changed });
      if (isViewing(c.id)) markRead(c);
    }
    if (focusComposer) composer.focus({ preventScroll: true });
  }

  // The tab came back, got focus, or the layout changed: what is in view now counts as read.
  function onVisibility() {
    const c = store.currentConversation;
    if (!isViewing(c.id)) return;
    markRead(c);
    if (c.kind === 'public' && store.clearUnread(c)) render.chatList();
  }

  let wired = false;
  function wireOnce() {
    if (wired) return;
    wired = true;
    search.wire();
    messageSearch.wire();
    composer.wire();
    typing.wire();
    messageList.wire();
    replies.wire();
    reactions.wire();
    layout.wire();
  }

  return {
    start() {
      store.reset(getMe());
      layout.reset();
      wireOnce();
      store.people.restoreReadMarks(tab.readMarks(store.me.id));
      search.clear();
      messageSearch.clear();
      replies.clear();
      groupViews.closeAll();
      messageList.clear();
      banner.hide();
      conn = connect({
        onStatus,
        events,
        onException: (message) => toast(message ?? 'The server reported an error.', 'error'),
      });
      const stored = tab.openConversation();
      const id = stored && parseConversationId(stored) ? stored : PUBLIC;
      openView(id, { noPush: true });
      // On a phone, start on the chat list unless a chat was open before the reload.
      if (layout.narrow && !stored) layout.setPaneOpen(false);
      if (id !== PUBLIC) sync.loadOlder(store.conversation(PUBLIC)); // for the public room's preview in the list
      sync.loadConversations();
    },
    stop() {
      typing.reset();
      conn?.stop();
      groupViews.closeAll();
      banner.hide();
      tab.forgetOpenConversation();
    },
    refreshMe() {
      store.setMe(getMe());
      render.chatList();
      render.messages();
    },
  };
}
