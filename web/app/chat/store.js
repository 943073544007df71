// The chat client's state, without DOM or socket: conversations (the public room, private chats
// and groups), each with its messages keyed by id, pending sends and the outbox, unread counts,
// read receipts, presence, groups' names and members, edits and deletes of messages (reactions:
// reactions.js, reply quotes: replies.js). Methods change the state and return what changed; the
// caller decides what to render and what to send, so every rule here runs under node --test
// (tests/web/).
// Records are plain objects: views read them freely and change them only through these methods.
import { PUBLIC, directId, groupConversationId, parseConversationId } from './ids.js';
import { fromHistory, fromEvent } from './message.js';
import { emptyList, insert, remove, settle, findUnsentTwin, newestStored } from './message-list.js';
import { People } from './people.js';
import { quotesDeleted, quotesEdited } from './replies.js';
import { sameUrl } from '../url.js';

// A new clientMsgId: 96 random bits in hex. getRandomValues, unlike randomUUID, also works on a
// page served over plain http from another host.
export function randomClientMsgId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class ChatStore {
  // onUnknownPeer(userId): a chat was opened with someone we know nothing about (fetch them).
  // onUnknownGroup(groupId): the same for a group (a message came before its group_updated).
  // newClientMsgId(): the idempotency key of each message we write (the server stores a message
  // once per key, however often it is sent).
  constructor({
    onUnknownPeer = () => {},
    onUnknownGroup = () => {},
    now = () => new Date().toISOString(),
    newClientMsgId = randomClientMsgId,
  } = {}) {
    this.onUnknownPeer = onUnknownPeer;
    this.onUnknownGroup = onUnknownGroup;
    this.now = now;
    this.newClientMsgId = newClientMsgId;
    this.reset(null);
  }

  reset(me) {
    this.me = me; // {id, username}: the signed-in user
    this.current = PUBLIC; // the open conversation's id
    this.conversations = new Map(); // conversation id → record (see #create)
    this.people = new People({
      me: () => this.me,
      chatWith: (userId) => this.conversations.get(directId(userId)),
    });
    this.outbox = []; // pending sends waiting for a connection, oldest first
    this.seq = 0; // numbers pending sends: their element key and their order among themselves
    this.ranks = 0; // creation order of conversations, the sidebar's tie-break
  }

  setMe(me) {
    this.me = me;
  }

  // ---------- conversations ----------
  // peer: what we know of the person of a private chat.
  conversation(id, peer) {
    return this.conversations.get(id) ?? this.#create(id, peer);
  }

  get currentConversation() {
    return this.conversation(this.current);
  }

  // → whether another conversation was open before.
  open(id) {
    const changed = id !== this.current;
    this.current = id;
    return changed;
  }

  #create(id, peer, group = null) {
    const parsed = parseConversationId(id);
    if (!parsed) throw new Error(`not a conversation id: ${id}`);
    const c = {
      id,
      kind: parsed.kind,
      peerId: parsed.peerId ?? null, // the other person of a private chat
      peer: null, // {id, username, profile_image} shown in the sidebar for a private chat
      groupId: parsed.groupId ?? null,
      // A group's record {id, name, topic, ownerId, memberCount, createdAt, updatedAt, members}:
      // members [{id, username, profile_image, role, joinedAt}] or null until fetched.
      group: null,
      last: null, // the newest stored message: the sidebar's preview and its order
      unreadCount: 0,
      reportedRead: 0, // highest message id we told the server we have read
      rank: this.ranks++,
      ...emptyList(),
    };
    let known = null;
    if (c.peerId != null) {
      known = peer ?? this.people.users.get(c.peerId) ?? null;
      c.peer = known ?? { id: c.peerId, username: this.usernameOf(c.peerId), profile_image: null };
    }
    if (c.groupId != null) c.group = { id: c.groupId, name: `group ${c.groupId}`, topic: null, ownerId: null, memberCount: 0, members: null };
    this.conversations.set(id, c);
    if (c.peerId != null && !known) this.onUnknownPeer(c.peerId);
    if (c.groupId != null && !group) this.onUnknownGroup(c.groupId);
    return c;
  }

  // Private chats and groups for the sidebar: new ones without messages first, then the latest
  // message first.
  chatList() {
    const latest = (c) => c.last?.id ?? Infinity;
    return [...this.conversations.values()]
      .filter((c) => c.kind !== 'public')
      .sort((a, b) => (latest(a) === latest(b) ? a.rank - b.rank : latest(b) - latest(a)));
  }

  directConversations() {
    return this.chatList().filter((c) => c.kind === 'direct');
  }

  totalUnread() {
    let total = 0;
    for (const c of this.conversations.values()) total += c.unreadCount;
    return total;
  }

  // → whether there was anything to clear.
  clearUnread(c) {
    const had = c.unreadCount > 0;
    c.unreadCount = 0;
    return had;
  }

  // GET /api/chat/conversations: the server's summary (last message, unread count) replaces
  // ours for the chats and groups it lists; chats opened here that have no message yet stay,
  // after them. → {gone}: the ids of groups it does not list, ones we are no longer in (to drop
  // with removeGroup), except those that came after the request started (keepSince: the value
  // of `ranks` then).
  applyConversations(rows, { keepSince = Infinity } = {}) {
    const listed = new Set();
    let rank = 0;
    for (const row of rows) {
      let c;
      if (row.type === 'group') {
        if (row.group?.id == null) continue;
        c = this.applyGroup(row.group);
      } else {
        if (row.peer?.id == null) continue;
        this.people.remember(row.peer);
        c = this.conversation(directId(row.peer.id), row.peer);
        c.peer = row.peer;
      }
      c.last = row.lastMessage ? this.fromHistory(row.lastMessage) : null;
      c.unreadCount = row.unreadCount ?? 0;
      c.rank = rank++;
      listed.add(c);
    }
    const others = this.chatList().filter((c) => !listed.has(c)).sort((a, b) => a.rank - b.rank);
    const gone = [];
    for (const c of others) {
      if (c.kind === 'group' && c.rank < keepSince) gone.push(c.groupId);
      else c.rank = rank++;
    }
    this.ranks = Math.max(this.ranks, rank);
    return { gone };
  }

  // ---------- groups ----------
  // A group record from the server (created, fetched, listed, or group_updated). A record older
  // than the one we have is ignored. One without members makes ours unknown: group_updated says
  // something changed, and that may be the members or their roles (updatedAt does not say);
  // `changes` counts those, so that a fetch that overlapped one is known to be stale.
  // fetchedAt: the value of `changes` when the record was asked for (a fetch). → its conversation.
  applyGroup(g, { fetchedAt } = {}) {
    const id = groupConversationId(g.id);
    const c = this.conversations.get(id) ?? this.#create(id, null, g);
    const old = c.group;
    if (old?.updatedAt && g.updatedAt && g.updatedAt < old.updatedAt) return c;
    if (fetchedAt != null && fetchedAt !== (old?.changes ?? 0)) return c;
    const members = Array.isArray(g.members) ? g.members : null;
    const changes = (old?.changes ?? 0) + (members ? 0 : 1);
    c.group = { ...g, members, changes };
    for (const m of members ?? []) this.people.remember(m);
    return c;
  }

  // We left, or were removed from, a group: it goes, with its messages and unsent ones.
  // → {removed: the conversation or null, wasCurrent}.
  removeGroup(groupId) {
    const id = groupConversationId(groupId);
    const c = this.conversations.get(id);
    if (!c) return { removed: null, wasCurrent: false };
    this.conversations.delete(id);
    this.outbox = this.outbox.filter((m) => m.conversationId !== id);
    const wasCurrent = this.current === id;
    if (wasCurrent) this.current = PUBLIC;
    return { removed: c, wasCurrent };
  }

  // ---------- people (see people.js) ----------
  usernameOf(id) {
    return this.people.usernameOf(id);
  }

  // ---------- messages ----------
  fromHistory(row) {
    return fromHistory(row, (id) => this.usernameOf(id));
  }

  fromEvent(ev, type) {
    return fromEvent(ev, type, (id) => this.usernameOf(id), this.now);
  }

  addPending(c, fields) {
    this.seq += 1;
    const m = {
      key: `p${this.seq}`,
      seq: this.seq,
      id: null,
      senderId: this.me.id,
      username: this.me.username,
      createdAt: this.now(),
      recipientId: c.peerId,
      groupId: c.groupId,
      conversationId: c.id,
      editedAt: null,
      deleted: false,
      reactions: [],
      replyTo: null,
      clientMsgId: this.newClientMsgId(),
      status: 'pending',
      error: null,
      ...fields,
    };
    insert(c, m);
    return m;
  }

  markSending(m) {
    m.status = 'pending';
    m.error = null;
  }

  fail(m, error) {
    m.status = 'failed';
    m.error = error;
  }

  // A message of ours got its id (ack, our own broadcast, or a catch-up row). → null when it had
  // one already; 'replaced' when that id was already shown (the pending copy is dropped).
  confirm(c, m, id, createdAt) {
    if (m.id != null) return null;
    const existing = c.byId.get(id);
    if (existing && existing !== m) {
      this.remove(c, m);
      this.#noteLast(c, existing);
      return 'replaced';
    }
    m.id = id;
    if (createdAt) m.createdAt = createdAt;
    m.status = 'sent';
    m.error = null;
    settle(c, m);
    this.#noteLast(c, m);
    return 'confirmed';
  }

  remove(c, m) {
    remove(c, m);
    this.outbox = this.outbox.filter((x) => x !== m);
  }

  // The upload of a pending image succeeded. → 'merged' when its image_sent came first (that
  // copy stays, with our local preview), else 'stored' (the id comes with image_sent).
  imageStored(c, m, url) {
    m.url = url;
    const twin = c.items.find((x) => x !== m && x.id != null && sameUrl(x.url, url));
    if (!twin) {
      m.status = 'sent';
      return 'stored';
    }
    twin.localUrl ??= m.localUrl;
    m.localUrl = null;
    this.remove(c, m);
    return 'merged';
  }

  // A live message. Kept only once the conversation's history is (being) loaded, else it just
  // updates the preview and unread count. matchOwn: our own broadcast may be a pending send.
  // → {duplicate} | {confirmed: pending message} | {added, mine, counted}
  receive(c, m, { matchOwn, viewing }) {
    const mine = m.senderId === this.me.id;
    let added = false;
    if (c.loaded || c.loading) {
      if (c.byId.has(m.id)) return { duplicate: true };
      const twin = mine && matchOwn ? findUnsentTwin(c, m) : null;
      if (twin) {
        this.confirm(c, twin, m.id, m.createdAt);
        return { confirmed: twin };
      }
      added = insert(c, m);
    }
    this.#noteLast(c, m);
    const counted = !mine && !viewing;
    if (counted) c.unreadCount += 1;
    return { added, mine, counted };
  }

  // An older page of history (or the first one). → {first}: whether it was the first.
  applyOlderPage(c, batch, pageSize) {
    for (const m of batch) insert(c, m);
    c.hasMore = batch.length === pageSize;
    const first = !c.loaded;
    c.loaded = true;
    this.#noteLast(c, newestStored(c));
    return { first };
  }

  // The newest page after a reconnect: what was missed comes in; our sends whose ack was lost
  // are recognised; more than a page missed starts the list over (older pages load on scroll).
  applyCatchUp(c, batch, { pageSize, viewing }) {
    const newestKnown = newestStored(c)?.id ?? 0;
    const oldestFetched = batch.at(-1)?.id ?? 0;
    if (batch.length === pageSize && oldestFetched > newestKnown) {
      const unsent = c.items.filter((m) => m.id == null);
      Object.assign(c, { items: [], byId: new Map(), hasMore: true });
      for (const m of [...batch, ...unsent]) insert(c, m);
    } else {
      for (const m of batch) {
        const known = c.byId.get(m.id);
        // Reactions and quotes of messages we have may have changed while we were away.
        if (known && !known.deleted) Object.assign(known, { reactions: m.reactions, replyTo: m.replyTo });
        if (m.id <= newestKnown || known) continue;
        const twin = m.senderId === this.me.id ? findUnsentTwin(c, m) : null;
        if (twin) {
          this.outbox = this.outbox.filter((x) => x !== twin);
          this.confirm(c, twin, m.id, m.createdAt);
          continue;
        }
        insert(c, m);
        // The server counts unread private messages (GET /api/chat/conversations), not the room's.
        if (c.kind === 'public' && m.senderId !== this.me.id && !viewing) c.unreadCount += 1;
      }
    }
    this.#noteLast(c, newestStored(c));
  }

  setLoading(c, loading) {
    c.loading = loading;
  }

  setError(c, error) {
    c.error = error;
  }

  #noteLast(c, m) {
    if (!m || m.id == null) return;
    if (!c.last || m.id >= c.last.id) c.last = m;
  }

  // ---------- outbox ----------
  // Waits for the next connection: written while disconnected, or sent when the connection was
  // lost before its ack came (sent again with the same clientMsgId, it is stored once).
  queue(m) {
    if (!this.outbox.includes(m)) this.outbox.push(m);
  }

  takeQueue() {
    const queued = this.outbox;
    this.outbox = [];
    return queued;
  }

  // ---------- read receipts ----------
  // We have seen a private chat or a group. → null when there is nothing new to report, else
  // what to tell the server ({peerId, lastMessageId} or {groupId, lastMessageId}) and whether an
  // unread badge was cleared.
  markRead(c) {
    if (c.kind === 'public' || !c.loaded) return null;
    let last = 0;
    for (const m of c.items) if (m.id != null && m.senderId !== this.me.id && m.id > last) last = m.id;
    if (!last || (c.reportedRead >= last && !c.unreadCount)) return null;
    c.reportedRead = last;
    const whose = c.kind === 'group' ? { groupId: c.groupId } : { peerId: c.peerId };
    return { ...whose, lastMessageId: last, clearedUnread: this.clearUnread(c) };
  }

  // ---------- edits and deletes ----------
  // message_edited / message_deleted (or our own edit's answer): the message wherever it is
  // shown, the list, the sidebar's preview and the replies quoting it. → the conversation it
  // changed, or null when we do not have that message (not loaded, or already so).
  applyEdit({ id, message, editedAt }) {
    if (typeof message !== 'string') return null;
    const changed = this.#change(id, (m) => {
      if (m.deleted || m.type !== 'text' || (m.text === message && m.editedAt === (editedAt ?? m.editedAt))) return false;
      m.text = message;
      m.editedAt = editedAt ?? m.editedAt ?? this.now();
      return true;
    });
    return quotesEdited(this, { id, message }) ?? changed;
  }

  applyDelete({ id }) {
    const changed = this.#change(id, (m) => {
      if (m.deleted) return false;
      Object.assign(m, { deleted: true, text: '', url: null, localUrl: null, width: null, height: null, reactions: [] });
      return true;
    });
    return quotesDeleted(this, { id }) ?? changed;
  }

  // The stored message with that id and its conversation, or null.
  findMessage(id) {
    for (const c of this.conversations.values()) {
      const m = c.byId.get(id);
      if (m) return { c, m };
    }
    return null;
  }

  #change(id, change) {
    if (id == null) return null;
    let changed = null;
    for (const c of this.conversations.values()) {
      const m = c.byId.get(id);
      if (m && change(m)) changed = c;
      // The preview may be a copy from the conversation list, not a message of the list.
      if (c.last?.id === id && c.last !== m && change(c.last)) changed = c;
      if (m) break;
    }
    return changed;
  }
}
