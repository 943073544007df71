// People as the chat client knows them: names and avatars, who is online, and how far each one
// has read our messages. Part of the store (store.people); no DOM.

export class People {
  // me(): the signed-in user; chatWith(userId): our private chat with them, if there is one.
  constructor({ me, chatWith }) {
    this.me = me;
    this.chatWith = chatWith;
    this.users = new Map(); // id → {id, username, profile_image, profile?}
    this.online = new Set();
    this.presenceKnown = new Set(); // whose presence the server told us (others: no dot at all)
    this.readMarks = new Map(); // user id → highest message id of ours they have read
  }

  usernameOf(id) {
    const me = this.me();
    if (id === me?.id) return me.username;
    return this.users.get(id)?.username ?? this.chatWith(id)?.peer.username ?? `user ${id}`;
  }

  // Whoever the header shows for a private chat: the fullest record we have.
  person(id) {
    return this.users.get(id) ?? this.chatWith(id)?.peer ?? { id, username: this.usernameOf(id) };
  }

  // A user record from the server (search, conversation list, profile lookup).
  remember(u) {
    if (!u?.id) return;
    const profile_image = u.profile_image ?? u.profile?.profile_image ?? null;
    this.users.set(u.id, { ...this.users.get(u.id), ...u, profile_image });
  }

  // A full profile fetched for someone we chat with: the chat's name and avatar follow it.
  learn(u) {
    this.remember(u);
    const c = this.chatWith(u.id);
    if (c) c.peer = { ...c.peer, username: u.username, profile_image: u.profile?.profile_image ?? null };
  }

  // A name seen on a message: enough to show until the profile comes.
  rememberName(id, username) {
    if (!username) return;
    if (!this.users.get(id)) this.users.set(id, { id, username, profile_image: null });
    const c = this.chatWith(id);
    if (c && c.peer.username !== username) c.peer = { ...c.peer, username };
  }

  setPresence(userId, online) {
    this.presenceKnown.add(userId);
    if (online) this.online.add(userId);
    else this.online.delete(userId);
  }

  // A subscription's answer: of `ids`, those in `onlineIds` are online, the others are not.
  applySubscription(ids, onlineIds) {
    const online = new Set(onlineIds);
    for (const id of ids) this.setPresence(id, online.has(id));
  }

  // No longer followed: what we knew goes stale, so we show nothing.
  forgetPresence(ids) {
    for (const id of ids) {
      this.presenceKnown.delete(id);
      this.online.delete(id);
    }
  }

  // → true / false, or undefined while presence is unknown (no dot at all then).
  isOnline(userId) {
    return this.presenceKnown.has(userId) ? this.online.has(userId) : undefined;
  }

  // A read receipt. → whether it moved the mark forward.
  noteRead(readerId, lastMessageId) {
    if (readerId == null || lastMessageId == null) return false;
    if ((this.readMarks.get(readerId) ?? 0) >= lastMessageId) return false;
    this.readMarks.set(readerId, lastMessageId);
    return true;
  }

  readUpTo(userId) {
    return this.readMarks.get(userId) ?? 0;
  }

  // Marks saved by this tab: [[userId, messageId], …]; anything else is ignored.
  restoreReadMarks(entries) {
    if (!Array.isArray(entries)) return;
    this.readMarks = new Map(entries.filter((e) => Array.isArray(e) && e.length === 2));
  }
}
