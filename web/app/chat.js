// The chat screen: sidebar (public room, conversations, user search), message pane (history by
// cursor, live events, pending/failed states, images), the Socket.IO connection and catch-up.
import { io } from '/vendor/socket.io/socket.io.esm.min.js';
import { $, h, avatar, safeUrl, timeOf, dayKey, dayLabel, listStamp } from './dom.js';
import { api, ApiError, session } from './api.js';
import { checkImage } from './profile.js';

const PAGE = 30;
const MAX_TEXT = 4000;
const ACK_TIMEOUT_MS = 15000;
const IMAGE_BOX = 280; // images are shown at most this wide or tall (CSS px)
const GROUP_GAP_MS = 5 * 60 * 1000;
const PUBLIC = 'public';
const VIEW_KEY = 'chatd.view';

const viewKey = (peerId) => (peerId == null ? PUBLIC : `u:${peerId}`);
const narrow = window.matchMedia('(max-width: 760px)');

function sameUrl(a, b) {
  return a != null && b != null && safeUrl(a) === safeUrl(b);
}

export function createChat({ getMe, toast }) {
  const els = {
    list: $('message-list'),
    scroller: $('messages'),
    chatList: $('chat-list'),
    chatListEmpty: $('chat-list-empty'),
    composer: $('composer'),
    input: $('composer-input'),
    charCount: $('char-count'),
    banner: $('banner'),
    loadOlder: $('load-older'),
    historyStatus: $('history-status'),
    emptyState: $('empty-state'),
    title: $('pane-title'),
    subtitle: $('pane-subtitle'),
    paneAvatar: $('pane-avatar'),
    search: $('user-search'),
    searchResults: $('search-results'),
    searchStatus: $('search-status'),
    upload: $('upload-input'),
    dropOverlay: $('drop-overlay'),
  };

  let state;
  function reset() {
    state = {
      socket: null,
      views: new Map(), // viewKey → {key, peerId, items, byId, hasMore, loaded, loading, error}
      current: PUBLIC,
      paneOpen: false, // phone layout: the message pane is showing instead of the sidebar
      conversations: new Map(), // peerId → {peer, last, unreadCount}
      users: new Map(), // id → {id, username, profile_image, profile?}
      online: new Set(),
      presenceKnown: false,
      readMarks: new Map(), // peerId → highest message id the peer has read
      reported: new Map(), // peerId → highest message id we reported as read
      publicUnread: 0,
      publicLast: null,
      outbox: [],
      connected: false,
      everConnected: false,
      seq: 0,
      lastAckError: null,
      stopped: false,
    };
  }
  reset();
  const me = () => getMe();

  // ---------- message model ----------
  function view(key) {
    let v = state.views.get(key);
    if (!v) {
      v = { key, peerId: key === PUBLIC ? null : Number(key.slice(2)), items: [], byId: new Map(), hasMore: true, loaded: false, loading: null, error: null };
      state.views.set(key, v);
    }
    return v;
  }
  const currentView = () => view(state.current);

  function usernameOf(id) {
    if (id === me().id) return me().username;
    return state.users.get(id)?.username ?? state.conversations.get(id)?.peer.username ?? `user ${id}`;
  }

  function fromHistory(m) {
    const image = m.type === 'image';
    return {
      key: `m${m.id}`,
      id: m.id,
      senderId: m.senderId,
      username: m.sender?.username ?? usernameOf(m.senderId),
      type: image ? 'image' : 'text',
      text: image ? '' : m.content,
      url: image ? (m.blobUrl ?? m.content) : null,
      width: m.width ?? null,
      height: m.height ?? null,
      createdAt: m.createdAt,
      recipientId: m.recipientId ?? null,
      status: 'sent',
    };
  }

  function fromEvent(ev, type) {
    return {
      key: `m${ev.id}`,
      id: ev.id,
      senderId: ev.senderId ?? ev.sender,
      username: ev.username ?? usernameOf(ev.senderId ?? ev.sender),
      type,
      text: type === 'text' ? String(ev.message ?? '') : '',
      url: type === 'image' ? ev.message : null,
      width: ev.width ?? null,
      height: ev.height ?? null,
      createdAt: ev.createdAt ?? new Date().toISOString(),
      recipientId: ev.recipientId ?? null,
      status: 'sent',
    };
  }

  function order(a, b) {
    const ai = a.id ?? Number.MAX_SAFE_INTEGER;
    const bi = b.id ?? Number.MAX_SAFE_INTEGER;
    return ai - bi || (a.seq ?? 0) - (b.seq ?? 0);
  }

  function insert(v, m) {
    if (m.id != null) {
      if (v.byId.has(m.id)) return false;
      v.byId.set(m.id, m);
    }
    v.items.push(m);
    v.items.sort(order);
    return true;
  }

  function removeItem(v, m) {
    v.items = v.items.filter((x) => x !== m);
    if (m.id != null && v.byId.get(m.id) === m) v.byId.delete(m.id);
    state.outbox = state.outbox.filter((x) => x !== m);
    if (m.localUrl) URL.revokeObjectURL(m.localUrl);
  }

  // A message of ours got its id (ack, or our own broadcast coming back).
  function confirm(v, m, id, createdAt) {
    if (m.id != null) return;
    const existing = v.byId.get(id);
    if (existing && existing !== m) {
      removeItem(v, m);
    } else {
      m.id = id;
      if (createdAt) m.createdAt = createdAt;
      m.status = 'sent';
      m.error = null;
      v.byId.set(id, m);
      v.items.sort(order);
    }
    noteLast(v, m.id != null ? m : existing);
    if (v.key === state.current) renderMessages();
  }

  function noteLast(v, m) {
    if (!m || m.id == null) return;
    if (v.peerId == null) {
      if (!state.publicLast || m.id >= state.publicLast.id) state.publicLast = m;
    } else {
      const c = conversation(v.peerId);
      if (!c.last || m.id >= c.last.id) c.last = m;
    }
    renderChatList();
  }

  function conversation(peerId, peer) {
    let c = state.conversations.get(peerId);
    if (!c) {
      const known = peer ?? state.users.get(peerId);
      c = { peer: known ?? { id: peerId, username: usernameOf(peerId), profile_image: null }, last: null, unreadCount: 0 };
      state.conversations.set(peerId, c);
      if (!known) lookUpUser(peerId);
    }
    return c;
  }

  async function lookUpUser(id) {
    try {
      const res = await api('GET', `/api/users/${id}`);
      rememberUser(res.data);
      const c = state.conversations.get(id);
      if (c) c.peer = { ...c.peer, username: res.data.username, profile_image: res.data.profile?.profile_image ?? null };
      renderChatList();
      if (state.current === viewKey(id)) renderHeader();
      return res.data;
    } catch {
      return null;
    }
  }

  function rememberUser(u) {
    if (!u?.id) return;
    const profile_image = u.profile_image ?? u.profile?.profile_image ?? null;
    state.users.set(u.id, { ...state.users.get(u.id), ...u, profile_image });
  }

  // ---------- sending ----------
  function pending(fields) {
    const v = currentView();
    state.seq += 1;
    const m = {
      key: `p${state.seq}`,
      seq: state.seq,
      id: null,
      senderId: me().id,
      username: me().username,
      createdAt: new Date().toISOString(),
      recipientId: v.peerId,
      peerKey: v.key,
      status: 'pending',
      error: null,
      ...fields,
    };
    insert(v, m);
    return m;
  }

  function sendText(text) {
    const m = pending({ type: 'text', text });
    renderMessages({ toBottom: true });
    deliver(m);
  }

  function deliver(m) {
    const v = view(m.peerKey);
    m.status = 'pending';
    m.error = null;
    if (v.key === state.current) renderMessages();
    if (!state.connected) {
      if (!state.outbox.includes(m)) state.outbox.push(m);
      return;
    }
    const [event, payload] = v.peerId == null
      ? ['public_message', m.text]
      : ['private_message', { recipientId: v.peerId, message: m.text }];
    state.socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (err, res) => {
      if (m.id != null) return; // already confirmed by our own broadcast
      if (err) return fail(m, 'The server did not answer. Check your connection and retry.');
      if (!res || res.status === 'error' || res.id == null) {
        state.lastAckError = { message: res?.message, at: Date.now() };
        return fail(m, res?.message ?? 'The message was not accepted.');
      }
      confirm(v, m, res.id, res.createdAt);
    });
  }

  function fail(m, message) {
    m.status = 'failed';
    m.error = message;
    const v = view(m.peerKey);
    if (v.key === state.current) renderMessages();
  }

  function retry(m) {
    if (m.type === 'image') uploadImage(m);
    else deliver(m);
  }

  async function sendImage(file) {
    const problem = checkImage(file);
    if (problem) return toast(problem, 'error');
    const localUrl = URL.createObjectURL(file);
    let width = null;
    let height = null;
    try {
      const probe = new Image();
      probe.src = localUrl;
      await probe.decode();
      width = probe.naturalWidth;
      height = probe.naturalHeight;
    } catch {
      URL.revokeObjectURL(localUrl);
      return toast('That file does not look like an image.', 'error');
    }
    const m = pending({ type: 'image', file, localUrl, url: null, width, height });
    renderMessages({ toBottom: true });
    uploadImage(m);
  }

  async function uploadImage(m) {
    const v = view(m.peerKey);
    m.status = 'pending';
    m.error = null;
    if (v.key === state.current) renderMessages();
    const form = new FormData();
    form.append('file', m.file, m.file.name || 'image');
    if (v.peerId != null) form.append('recipientId', String(v.peerId));
    try {
      const res = await api('POST', '/api/chat/send-image', { form });
      const url = typeof res?.data === 'string' ? res.data : res?.data?.url;
      m.url = url;
      const twin = v.items.find((x) => x !== m && x.id != null && sameUrl(x.url, url));
      if (twin) {
        // image_sent came back before the upload response: keep that one, already in place.
        twin.localUrl ??= m.localUrl;
        m.localUrl = null;
        removeItem(v, m);
      } else {
        m.status = 'sent'; // stored; its id comes with image_sent
      }
      if (v.key === state.current) renderMessages();
    } catch (err) {
      fail(m, err instanceof ApiError ? err.messages.join(' ') : 'The image could not be sent.');
    }
  }

  // ---------- receiving ----------
  function isViewing(key) {
    return (
      state.current === key &&
      document.visibilityState === 'visible' &&
      !$('chat-screen').hidden &&
      (!narrow.matches || state.paneOpen)
    );
  }

  function receive(key, m, { matchOwn }) {
    const v = view(key);
    const mine = m.senderId === me().id;
    let added = false;
    if (v.loaded || v.loading) {
      if (v.byId.has(m.id)) return;
      const twin = mine && matchOwn
        ? v.items.find((x) => x.id == null && x.senderId === m.senderId && x.type === m.type &&
            (m.type === 'text' ? x.text === m.text : sameUrl(x.url, m.url)))
        : null;
      if (twin) return confirm(v, twin, m.id, m.createdAt);
      added = insert(v, m);
    }
    noteLast(v, m);
    if (!mine && !isViewing(key)) {
      if (v.peerId == null) state.publicUnread += 1;
      else conversation(v.peerId).unreadCount += 1;
      renderChatList();
    }
    if (added && key === state.current) renderMessages({ toBottom: mine });
    if (v.peerId != null && isViewing(key)) markRead(v.peerId);
  }

  function onPublicMessage(ev) {
    if (ev?.id == null) return;
    receive(PUBLIC, fromEvent(ev, 'text'), { matchOwn: true });
  }

  function onPrivateMessage(ev) {
    if (ev?.id == null) return;
    const m = fromEvent(ev, 'text');
    const peerId = m.senderId === me().id ? m.recipientId : m.senderId;
    if (m.senderId !== me().id) rememberUserName(m.senderId, m.username);
    conversation(peerId);
    receive(viewKey(peerId), m, { matchOwn: false });
  }

  function onImage(ev) {
    if (ev?.id == null) return;
    const m = fromEvent(ev, 'image');
    if (m.recipientId == null || ev.isPublic === true) return receive(PUBLIC, m, { matchOwn: true });
    const peerId = m.senderId === me().id ? m.recipientId : m.senderId;
    if (m.senderId !== me().id) rememberUserName(m.senderId, m.username);
    conversation(peerId);
    receive(viewKey(peerId), m, { matchOwn: true });
  }

  function rememberUserName(id, username) {
    if (!username) return;
    const u = state.users.get(id);
    if (!u) state.users.set(id, { id, username, profile_image: null });
    const c = state.conversations.get(id);
    if (c && c.peer.username !== username) c.peer = { ...c.peer, username };
  }

  function onRead({ readerId, lastMessageId } = {}) {
    if (readerId == null || lastMessageId == null) return;
    if ((state.readMarks.get(readerId) ?? 0) >= lastMessageId) return;
    state.readMarks.set(readerId, lastMessageId);
    saveReadMarks();
    if (state.current === viewKey(readerId)) renderMessages();
  }

  function onPresence({ userId, online } = {}) {
    if (userId == null) return;
    state.presenceKnown = true;
    if (online) state.online.add(userId);
    else state.online.delete(userId);
    renderChatList();
    if (state.current === viewKey(userId)) renderHeader();
  }

  function markRead(peerId) {
    const v = view(viewKey(peerId));
    if (!v.loaded) return;
    let last = 0;
    for (const m of v.items) if (m.id != null && m.senderId === peerId && m.id > last) last = m.id;
    const c = state.conversations.get(peerId);
    if (!last || ((state.reported.get(peerId) ?? 0) >= last && !c?.unreadCount)) return;
    state.reported.set(peerId, last);
    if (c?.unreadCount) {
      c.unreadCount = 0;
      renderChatList();
    }
    const body = { peerId, lastMessageId: last };
    if (state.connected) state.socket.emit('mark_read', body, () => {});
    else api('PUT', `/api/chat/read/${peerId}`, { body: { lastMessageId: last } }).catch(() => {});
  }

  // Read receipts survive a reload of this tab (the server has no "read by peer" in history).
  function saveReadMarks() {
    try {
      sessionStorage.setItem(`chatd.read.${me().id}`, JSON.stringify([...state.readMarks]));
    } catch {}
  }
  function loadReadMarks() {
    try {
      const raw = JSON.parse(sessionStorage.getItem(`chatd.read.${me().id}`) ?? '[]');
      state.readMarks = new Map(raw.filter((e) => Array.isArray(e) && e.length === 2));
    } catch {}
  }

  // ---------- history ----------
  function historyPath(v, params) {
    const base = v.peerId == null ? '/api/chat/public' : `/api/chat/private/${v.peerId}`;
    return `${base}?${new URLSearchParams(params)}`;
  }

  function loadOlder(v) {
    if (v.loading) return v.loading;
    if (v.loaded && !v.hasMore) return Promise.resolve();
    const oldest = v.items.find((m) => m.id != null)?.id;
    const params = { perPage: String(PAGE) };
    if (oldest != null) params.before = String(oldest);
    v.error = null;
    if (v.key === state.current) renderHistoryStatus();
    v.loading = (async () => {
      try {
        const res = await api('GET', historyPath(v, params));
        const batch = (res.data ?? []).map(fromHistory);
        for (const m of batch) insert(v, m);
        v.hasMore = batch.length === PAGE;
        const first = !v.loaded;
        v.loaded = true;
        const newest = v.items.filter((m) => m.id != null).at(-1);
        if (newest) noteLast(v, newest);
        if (v.key === state.current) renderMessages(first ? { toBottom: true } : { keepOffset: true });
      } catch (err) {
        v.error = err instanceof ApiError ? err.messages.join(' ') : 'Could not load messages.';
        if (v.key === state.current) renderHistoryStatus();
      } finally {
        v.loading = null;
        if (v.key === state.current) renderHistoryStatus();
      }
    })();
    return v.loading;
  }

  // After a reconnect: fetch what was missed in every loaded view.
  async function catchUp() {
    loadConversations();
    loadPresence();
    for (const v of state.views.values()) {
      if (!v.loaded) continue;
      try {
        const res = await api('GET', historyPath(v, { perPage: String(PAGE) }));
        const batch = (res.data ?? []).map(fromHistory);
        const newestKnown = v.items.reduce((max, m) => (m.id != null && m.id > max ? m.id : max), 0);
        const oldestFetched = batch.at(-1)?.id ?? 0;
        if (batch.length === PAGE && oldestFetched > newestKnown) {
          // More was missed than one page: start this view over from the newest page.
          const unsent = v.items.filter((m) => m.id == null);
          v.items = [];
          v.byId = new Map();
          v.hasMore = true;
          for (const m of [...batch, ...unsent]) insert(v, m);
        } else {
          for (const m of batch) {
            if (m.id <= newestKnown || v.byId.has(m.id)) continue;
            // Our own message whose ack was lost in the disconnect?
            const twin = m.senderId === me().id &&
              v.items.find((x) => x.id == null && x.type === m.type && (m.type === 'text' ? x.text === m.text : sameUrl(x.url, m.url)));
            if (twin) {
              state.outbox = state.outbox.filter((x) => x !== twin);
              confirm(v, twin, m.id, m.createdAt);
              continue;
            }
            insert(v, m);
            if (v.peerId == null && m.senderId !== me().id && !isViewing(v.key)) state.publicUnread += 1;
          }
        }
        const newest = v.items.filter((m) => m.id != null).at(-1);
        if (newest) noteLast(v, newest);
        if (v.key === state.current) renderMessages();
      } catch {}
    }
    renderChatList();
    if (currentView().peerId != null && isViewing(state.current)) markRead(currentView().peerId);
  }

  async function loadConversations() {
    try {
      const res = await api('GET', '/api/chat/conversations');
      const next = new Map();
      for (const c of res.data ?? []) {
        rememberUser(c.peer);
        next.set(c.peer.id, { peer: c.peer, last: c.lastMessage ? fromHistory(c.lastMessage) : null, unreadCount: c.unreadCount ?? 0 });
      }
      // Keep chats opened locally that have no message yet.
      for (const [id, c] of state.conversations) if (!next.has(id)) next.set(id, c);
      state.conversations = next;
      renderChatList();
      const v = currentView();
      if (v.peerId != null) {
        renderHeader();
        if (isViewing(v.key)) markRead(v.peerId);
      }
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) toast('Could not load your conversations.', 'error');
    }
  }

  async function loadPresence() {
    try {
      const res = await api('GET', '/api/users/online');
      if (!Array.isArray(res?.data)) return;
      state.online = new Set(res.data.map((u) => u.id));
      state.presenceKnown = true;
      renderChatList();
      renderHeader();
    } catch {
      // Presence is optional: servers without it just show no online dots.
    }
  }

  // ---------- rendering ----------
  function renderChatList() {
    if (!state.socket) return;
    const focusedKey = document.activeElement?.closest?.('#chat-list [data-view]')?.dataset.view;
    const items = [];
    const pub = state.publicLast;
    items.push(chatItem({
      key: PUBLIC,
      name: 'Public room',
      avatarEl: h('span', { class: 'avatar medium room', 'aria-hidden': 'true', text: '#' }),
      preview: pub ? `${pub.senderId === me().id ? 'You' : pub.username}: ${previewText(pub)}` : 'Everyone on this server',
      stamp: pub?.createdAt,
      unread: state.publicUnread,
    }));
    const convs = [...state.conversations.values()].sort((a, b) => (b.last?.id ?? Infinity) - (a.last?.id ?? Infinity));
    for (const c of convs) {
      const online = state.presenceKnown ? state.online.has(c.peer.id) : undefined;
      items.push(chatItem({
        key: viewKey(c.peer.id),
        name: c.peer.username,
        avatarEl: avatar(c.peer, { online }),
        online,
        preview: c.last ? `${c.last.senderId === me().id ? 'You: ' : ''}${previewText(c.last)}` : 'No messages yet',
        stamp: c.last?.createdAt,
        unread: c.unreadCount,
      }));
    }
    els.chatList.replaceChildren(...items);
    els.chatListEmpty.hidden = convs.length > 0;
    if (focusedKey) els.chatList.querySelector(`[data-view="${CSS.escape(focusedKey)}"]`)?.focus();
    updateTitle();
  }

  function previewText(m) {
    return m.type === 'image' ? 'Photo' : m.text.replace(/\s+/g, ' ').slice(0, 120);
  }

  function chatItem({ key, name, avatarEl, preview, stamp, unread, online }) {
    const current = key === state.current;
    const button = h(
      'button',
      {
        type: 'button',
        class: `chat-item${current ? ' current' : ''}${unread ? ' unread' : ''}`,
        'aria-current': current ? 'true' : null,
        dataset: { view: key },
        onclick: () => openView(key, { focusComposer: true }),
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

  function updateTitle() {
    let total = state.publicUnread;
    for (const c of state.conversations.values()) total += c.unreadCount;
    document.title = total > 0 ? `(${total}) chatd` : 'chatd';
  }

  function renderHeader() {
    const v = currentView();
    if (v.peerId == null) {
      els.paneAvatar.replaceChildren(h('span', { class: 'avatar medium room', 'aria-hidden': 'true', text: '#' }));
      els.title.textContent = 'Public room';
      els.subtitle.textContent = 'Everyone on this server';
      els.input.placeholder = 'Message the public room';
      return;
    }
    const u = state.users.get(v.peerId) ?? state.conversations.get(v.peerId)?.peer ?? { id: v.peerId, username: usernameOf(v.peerId) };
    const online = state.presenceKnown ? state.online.has(v.peerId) : undefined;
    els.paneAvatar.replaceChildren(avatar(u, { online }));
    els.title.textContent = u.username;
    const details = [u.profile?.full_name, u.profile?.location].filter(Boolean);
    if (online !== undefined) details.unshift(online ? 'Online' : 'Offline');
    els.subtitle.textContent = details.join(' · ') || 'Private chat';
    els.input.placeholder = `Message ${u.username}`;
  }

  function renderHistoryStatus() {
    const v = currentView();
    els.loadOlder.hidden = !v.loaded || !v.hasMore || Boolean(v.loading);
    if (v.loading) els.historyStatus.textContent = 'Loading messages…';
    else if (v.error) {
      els.historyStatus.replaceChildren(
        `${v.error} `,
        h('button', { type: 'button', class: 'link-button', onclick: () => loadOlder(v), text: 'Try again' }),
      );
    } else if (v.loaded && !v.hasMore && v.items.length > 0) {
      els.historyStatus.textContent = v.peerId == null ? 'This is the beginning of the public room.' : 'This is the beginning of your conversation.';
    } else els.historyStatus.textContent = '';
    els.scroller.setAttribute('aria-busy', v.loading ? 'true' : 'false');
  }

  // Keyed rendering: each message keeps its element (and its loaded image) until something it
  // shows changes.
  function renderMessages({ toBottom = false, keepOffset = false } = {}) {
    const v = currentView();
    const sc = els.scroller;
    const atBottom = sc.scrollHeight - sc.scrollTop - sc.clientHeight < 60;
    const fromBottom = sc.scrollHeight - sc.scrollTop;

    const readUpTo = v.peerId == null ? 0 : state.readMarks.get(v.peerId) ?? 0;
    let lastOwnSent = null;
    if (v.peerId != null) for (const m of v.items) if (m.senderId === me().id && m.id != null) lastOwnSent = m;
    let lastOwnRead = null;
    if (v.peerId != null) for (const m of v.items) if (m.senderId === me().id && m.id != null && m.id <= readUpTo) lastOwnRead = m;

    const wanted = [];
    let prev = null;
    for (const m of v.items) {
      const newDay = !prev || dayKey(prev.createdAt) !== dayKey(m.createdAt);
      if (newDay) wanted.push({ key: `day:${dayKey(m.createdAt)}`, sig: dayLabel(m.createdAt), build: () => dayEl(m.createdAt) });
      const grouped = !newDay && prev.senderId === m.senderId && new Date(m.createdAt) - new Date(prev.createdAt) < GROUP_GAP_MS;
      let marker = null;
      if (m === lastOwnRead) marker = 'read';
      else if (m === lastOwnSent) marker = 'sent';
      const sig = [m.status, m.error, m.id, grouped, marker, m.url, m.username, m.status === 'pending' && state.connected].join('|');
      wanted.push({ key: m.key, sig, build: () => messageEl(m, { grouped, marker }) });
      prev = m;
    }

    const existing = new Map();
    for (const el of els.list.children) existing.set(el.dataset.key, el);
    let cursor = els.list.firstElementChild;
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
      else els.list.insertBefore(el, cursor);
    }
    for (const el of existing.values()) el.remove();

    els.emptyState.hidden = !v.loaded || v.items.length > 0;
    els.emptyState.textContent = v.peerId == null
      ? 'No messages yet. Say hello to everyone!'
      : `No messages yet. Say hello to ${usernameOf(v.peerId)}!`;
    renderHistoryStatus();

    if (toBottom || atBottom) sc.scrollTop = sc.scrollHeight;
    else if (keepOffset) sc.scrollTop = sc.scrollHeight - fromBottom;
    // Not enough history to scroll yet: fetch more so scrolling up can reach it.
    if (v.loaded && v.hasMore && !v.loading && sc.clientHeight > 0 && sc.scrollHeight <= sc.clientHeight + 10) loadOlder(v);
  }

  function dayEl(iso) {
    return h('li', { class: 'day' }, h('span', { text: dayLabel(iso) }));
  }

  function messageEl(m, { grouped, marker }) {
    const own = m.senderId === me().id;
    const li = h('li', {
      class: `msg ${own ? 'own' : 'other'}${grouped ? ' grouped' : ''} ${m.status}`,
      'data-id': m.id ?? null,
    });
    const who = own ? 'You' : m.username;
    if (!own && !grouped) li.append(h('p', { class: 'msg-sender', text: m.username }));
    else li.append(h('span', { class: 'visually-hidden', text: `${who}: ` }));

    const bubble = h('div', { class: 'bubble' });
    if (m.type === 'image') bubble.append(imageEl(m, own));
    else bubble.append(h('p', { class: 'msg-text', text: m.text }));
    li.append(bubble);

    const meta = h('p', { class: 'msg-meta' });
    if (m.status !== 'failed') {
      meta.append(h('time', { datetime: m.createdAt, title: new Date(m.createdAt).toLocaleString(), text: timeOf(m.createdAt) }));
    }
    if (m.status === 'pending') {
      meta.append(h('span', { class: 'msg-status pending', text: state.connected ? 'Sending…' : 'Waiting for connection…' }));
    } else if (m.status === 'failed') {
      li.append(h('div', { class: 'msg-error', role: 'alert' },
        h('span', { class: 'msg-error-text', text: `Not sent: ${m.error}` }),
        h('span', { class: 'msg-actions' },
          h('button', { type: 'button', class: 'link-button retry', onclick: () => retry(m), text: 'Retry' }),
          h('button', {
            type: 'button',
            class: 'link-button discard',
            onclick: () => {
              const v = view(m.peerKey);
              removeItem(v, m);
              renderMessages();
              els.input.focus();
            },
            text: 'Discard',
          }))));
    } else if (marker === 'read') {
      meta.append(h('span', { class: 'msg-status read-marker', text: 'Read' }));
    } else if (marker === 'sent' && m.id != null) {
      meta.append(h('span', { class: 'msg-status sent-marker', text: 'Sent' }));
    }
    if (meta.childNodes.length) li.append(meta);
    return li;
  }

  function imageEl(m, own) {
    let w = m.width > 0 ? m.width : IMAGE_BOX;
    let hgt = m.height > 0 ? m.height : Math.round(IMAGE_BOX * 0.75);
    const scale = Math.min(1, IMAGE_BOX / w, IMAGE_BOX / hgt);
    w = Math.max(1, Math.round(w * scale));
    hgt = Math.max(1, Math.round(hgt * scale));
    const src = safeUrl(m.localUrl) ?? safeUrl(m.url);
    const img = h('img', {
      class: 'msg-image',
      src,
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

  // ---------- navigation ----------
  function openView(key, { focusComposer = false, noPush = false } = {}) {
    const changed = key !== state.current;
    state.current = key;
    try {
      sessionStorage.setItem(VIEW_KEY, key);
    } catch {}
    const v = currentView();
    if (v.peerId != null) {
      conversation(v.peerId);
      if (!state.users.get(v.peerId)?.profile) lookUpUser(v.peerId);
    }
    if (changed) els.list.replaceChildren();
    setPaneOpen(true, noPush);
    renderHeader();
    renderChatList();
    if (v.peerId == null) {
      state.publicUnread = 0;
      renderChatList();
    }
    if (!v.loaded) {
      renderMessages();
      loadOlder(v).then(() => {
        if (v.peerId != null && isViewing(v.key)) markRead(v.peerId);
      });
    } else {
      renderMessages({ toBottom: changed });
      if (v.peerId != null && isViewing(v.key)) markRead(v.peerId);
    }
    if (focusComposer) els.input.focus({ preventScroll: true });
  }

  function setPaneOpen(open, noPush = false) {
    const was = state.paneOpen;
    state.paneOpen = open;
    document.body.classList.toggle('pane-open', open);
    // On a phone the pane covers the list: let the browser's Back button return to the list.
    if (narrow.matches && open && !was && !noPush) history.pushState({ chatdPane: true }, '');
  }

  // ---------- search ----------
  let searchTimer = 0;
  let searchAbort = null;
  function initSearch() {
    els.search.addEventListener('input', () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(runSearch, 200);
    });
    els.search.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        els.searchResults.querySelector('button')?.focus();
      } else if (e.key === 'Escape') {
        clearSearch();
      } else if (e.key === 'Enter') {
        e.preventDefault();
        els.searchResults.querySelector('button')?.click();
      }
    });
    els.searchResults.addEventListener('keydown', (e) => {
      const buttons = [...els.searchResults.querySelectorAll('button')];
      const i = buttons.indexOf(document.activeElement);
      if (e.key === 'ArrowDown' && i >= 0) {
        e.preventDefault();
        buttons[Math.min(i + 1, buttons.length - 1)].focus();
      } else if (e.key === 'ArrowUp' && i >= 0) {
        e.preventDefault();
        (i === 0 ? els.search : buttons[i - 1]).focus();
      } else if (e.key === 'Escape') {
        clearSearch();
        els.search.focus();
      }
    });
  }

  function clearSearch() {
    els.search.value = '';
    els.searchResults.hidden = true;
    els.searchResults.replaceChildren();
    els.searchStatus.textContent = '';
  }

  async function runSearch() {
    const q = els.search.value.trim();
    searchAbort?.abort();
    if (!q) return clearSearch();
    searchAbort = new AbortController();
    try {
      const res = await api('GET', `/api/users?${new URLSearchParams({ q: q.slice(0, 100), perPage: '8' })}`, { signal: searchAbort.signal });
      const people = (res.data ?? []).filter((u) => u.id !== me().id);
      for (const u of people) rememberUser(u);
      els.searchResults.replaceChildren(...people.map((u) => h('li', null,
        h('button', {
          type: 'button',
          class: 'person',
          dataset: { userId: u.id },
          onclick: () => {
            clearSearch();
            openView(viewKey(u.id), { focusComposer: true });
          },
        },
        avatar(u, { size: 'small', online: state.presenceKnown ? state.online.has(u.id) : undefined }),
        h('span', { class: 'person-text' },
          h('span', { class: 'person-name', text: u.username }),
          u.profile?.full_name ? h('span', { class: 'person-sub', text: u.profile.full_name }) : null)))));
      if (!people.length) els.searchResults.replaceChildren(h('li', { class: 'no-results', text: `Nobody found for “${q}”` }));
      els.searchResults.hidden = false;
      els.searchStatus.textContent = people.length === 1 ? '1 person found' : `${people.length} people found`;
    } catch (err) {
      if (err.name !== 'AbortError') {
        els.searchResults.replaceChildren(h('li', { class: 'no-results', text: 'Search failed. Try again.' }));
        els.searchResults.hidden = false;
      }
    }
  }

  // ---------- composer ----------
  function initComposer() {
    const resize = () => {
      els.input.style.height = 'auto';
      els.input.style.height = `${Math.min(els.input.scrollHeight, 160)}px`;
      const n = els.input.value.length;
      els.charCount.textContent = n > MAX_TEXT - 400 ? `${n} / ${MAX_TEXT}` : '';
      els.charCount.classList.toggle('over', n > MAX_TEXT);
    };
    els.input.addEventListener('input', resize);
    els.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        els.composer.requestSubmit();
      }
    });
    els.composer.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = els.input.value;
      if (!text.trim()) return;
      els.input.value = '';
      resize();
      sendText(text);
    });
    $('upload-button').addEventListener('click', () => els.upload.click());
    els.upload.addEventListener('change', () => {
      const files = [...(els.upload.files ?? [])];
      els.upload.value = '';
      for (const f of files) sendImage(f);
      els.input.focus();
    });
    els.input.addEventListener('paste', (e) => {
      const files = [...(e.clipboardData?.files ?? [])].filter((f) => f.type.startsWith('image/'));
      if (!files.length) return;
      e.preventDefault();
      for (const f of files) sendImage(f);
    });
    const pane = document.querySelector('.pane');
    let depth = 0;
    const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');
    pane.addEventListener('dragenter', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth += 1;
      els.dropOverlay.hidden = false;
    });
    pane.addEventListener('dragover', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    });
    pane.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (!depth) els.dropOverlay.hidden = true;
    });
    pane.addEventListener('drop', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      els.dropOverlay.hidden = true;
      for (const f of e.dataTransfer.files) sendImage(f);
    });
  }

  // ---------- connection ----------
  let bannerTimer = 0;
  function setBanner(text) {
    clearTimeout(bannerTimer);
    if (!text) {
      els.banner.hidden = true;
      els.banner.textContent = '';
      return;
    }
    // A blip shorter than a second is not worth a banner.
    bannerTimer = setTimeout(() => {
      els.banner.textContent = text;
      els.banner.hidden = false;
    }, state.everConnected ? 800 : 0);
  }

  function connect() {
    const socket = io('/chat', {
      auth: (cb) => cb({ token: session.token }),
      reconnectionDelayMax: 5000,
    });
    state.socket = socket;
    socket.on('connect', () => {
      state.connected = true;
      setBanner(null);
      const again = state.everConnected;
      state.everConnected = true;
      const queued = state.outbox;
      state.outbox = [];
      if (again) catchUp().finally(() => queued.forEach((m) => m.id == null && deliver(m)));
      else queued.forEach(deliver);
      renderMessages();
    });
    socket.on('disconnect', (reason) => {
      state.connected = false;
      setBanner('Disconnected — trying to reconnect…');
      renderMessages();
      if (reason === 'io server disconnect' && !state.stopped) setTimeout(() => socket.connect(), 1000);
    });
    socket.on('connect_error', async (err) => {
      state.connected = false;
      if (socket.active) {
        setBanner('Cannot reach the server — trying to reconnect…');
        return;
      }
      // Refused by the server: an expired token ends the session (api() reports the 401).
      setBanner('Disconnected — trying to reconnect…');
      try {
        await api('GET', '/api/profile');
        if (!state.stopped) setTimeout(() => !state.stopped && socket.connect(), 3000);
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 401) && !state.stopped) setTimeout(() => socket.connect(), 3000);
      }
    });
    socket.on('public_message', onPublicMessage);
    socket.on('private_message', onPrivateMessage);
    socket.on('image_sent', onImage);
    socket.on('read', onRead);
    socket.on('presence', onPresence);
    socket.on('exception', (e) => {
      // Failures of our own sends show on the message itself; report the others.
      setTimeout(() => {
        const ack = state.lastAckError;
        if (ack && ack.message === e?.message && Date.now() - ack.at < 2000) return;
        toast(e?.message ?? 'The server reported an error.', 'error');
      }, 300);
    });
  }

  function onVisibility() {
    const v = currentView();
    if (v.peerId != null && isViewing(v.key)) markRead(v.peerId);
    if (v.peerId == null && isViewing(v.key) && state.publicUnread) {
      state.publicUnread = 0;
      renderChatList();
    }
  }

  function onPopState() {
    if (narrow.matches && state.paneOpen) {
      setPaneOpen(false);
      renderChatList();
      els.chatList.querySelector('.current')?.focus();
    }
  }

  let wired = false;
  function wireOnce() {
    if (wired) return;
    wired = true;
    initSearch();
    initComposer();
    els.scroller.addEventListener('scroll', () => {
      const v = currentView();
      if (els.scroller.scrollTop < 120 && v.loaded && v.hasMore && !v.loading) loadOlder(v);
    }, { passive: true });
    els.loadOlder.addEventListener('click', () => loadOlder(currentView()));
    $('back-button').addEventListener('click', () => {
      if (history.state?.chatdPane) history.back();
      else onPopState();
    });
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('focus', onVisibility);
    window.addEventListener('popstate', onPopState);
    narrow.addEventListener('change', () => onVisibility());
  }

  return {
    start() {
      reset();
      wireOnce();
      loadReadMarks();
      clearSearch();
      els.list.replaceChildren();
      setBanner(null);
      connect();
      let stored = null;
      try {
        stored = sessionStorage.getItem(VIEW_KEY);
      } catch {}
      let key = stored ?? PUBLIC;
      if (key !== PUBLIC && !/^u:\d+$/.test(key)) key = PUBLIC;
      // On a phone, start on the chat list unless a chat was open before the reload.
      openView(key, { noPush: true });
      if (narrow.matches && !stored) setPaneOpen(false);
      if (key !== PUBLIC) loadOlder(view(PUBLIC)); // for the public room's preview in the list
      loadConversations();
      loadPresence();
    },
    stop() {
      state.stopped = true;
      state.socket?.disconnect();
      state.socket?.removeAllListeners();
      setBanner(null);
      try {
        sessionStorage.removeItem(VIEW_KEY);
      } catch {}
    },
    refreshMe() {
      renderChatList();
      if (state.current) renderMessages();
    },
  };
}
