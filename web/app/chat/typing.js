// Typing indicators, without DOM or socket: when to tell the server we type in a conversation
// (TypingSender), who is typing in each conversation as the server tells us (TypingPeers), and
// the line that says so. Clocks and timers are injected, so the rules run under node --test.
//
// The server (docs/events.md, Typing) announces an `on` at most every 2 s per socket and ends an
// indicator by itself 5 s after the last `on`: we refresh every 2.5 s while keys are pressed and
// say `off` after 3 s without a key; a peer's indicator ends here 6 s after its last `on`, so a
// peer whose `off` never comes (its node died) does not type forever.
import { PUBLIC, directId, groupConversationId } from './ids.js';

export const REFRESH_MS = 2500;
export const IDLE_MS = 3000;
export const PEER_TTL_MS = 6000;

const realTimers = { now: () => Date.now(), setTimer: (fn, ms) => setTimeout(fn, ms), clearTimer: (t) => clearTimeout(t) };

// The `typing` payload's conversation for one of ours: {peerId}, {groupId} or {room: 'public'}.
export function typingTarget(c) {
  if (c.peerId != null) return { peerId: c.peerId };
  if (c.groupId != null) return { groupId: c.groupId };
  return { room: PUBLIC };
}

// The conversation id of a `typing` event {userId, username, on, groupId? | room?}: a group, the
// public room, else the private chat with its sender. null when it names none.
export function typingConversation(ev) {
  if (ev?.groupId != null) return Number.isInteger(ev.groupId) && ev.groupId > 0 ? groupConversationId(ev.groupId) : null;
  if (ev?.room === PUBLIC) return PUBLIC;
  if (ev?.room != null) return null;
  return Number.isInteger(ev?.userId) && ev.userId > 0 ? directId(ev.userId) : null;
}

// "alice is typing…", "alice and bob are typing…", "Several people are typing…", or ''.
export function typingText(names) {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}

// Ours. send(target, on): tells the server (the caller skips it while disconnected).
export class TypingSender {
  constructor({ send, refreshMs = REFRESH_MS, idleMs = IDLE_MS, ...timers }) {
    this.send = send;
    this.refreshMs = refreshMs;
    this.idleMs = idleMs;
    Object.assign(this, realTimers, timers);
    this.active = null; // {id, target, sentAt}: the conversation we told the server we type in
    this.idleTimer = null;
  }

  // The composer of conversation c now holds `text` (a key was pressed, text pasted or cut).
  input(c, text) {
    if (!text.trim()) return this.stop();
    if (this.active && this.active.id !== c.id) this.stop();
    const now = this.now();
    if (!this.active) {
      this.active = { id: c.id, target: typingTarget(c), sentAt: now };
      this.send(this.active.target, true);
    } else if (now - this.active.sentAt >= this.refreshMs) {
      this.active.sentAt = now;
      this.send(this.active.target, true);
    }
    this.clearTimer(this.idleTimer);
    this.idleTimer = this.setTimer(() => this.stop(), this.idleMs);
  }

  // We stopped: sent the message, emptied the box, went to another conversation, or paused.
  stop() {
    if (!this.active) return;
    const { target } = this.active;
    this.forget();
    this.send(target, false);
  }

  // The connection went (the server ended our indicator itself) or the session ended.
  forget() {
    this.clearTimer(this.idleTimer);
    this.idleTimer = null;
    this.active = null;
  }
}

// Theirs. onChange(conversationId): who types there changed by itself (an indicator ran out).
export class TypingPeers {
  constructor({ onChange = () => {}, ttlMs = PEER_TTL_MS, ...timers } = {}) {
    this.onChange = onChange;
    this.ttlMs = ttlMs;
    Object.assign(this, realTimers, timers);
    this.typing = new Map(); // conversation id → Map userId → {username, timer}, in order of start
  }

  // A `typing` event. → the conversation id whose typers changed, or null.
  apply(ev) {
    const id = typingConversation(ev);
    if (!id || typeof ev.on !== 'boolean') return null;
    if (!ev.on) return this.#end(id, ev.userId) ? id : null;
    let peers = this.typing.get(id);
    if (!peers) this.typing.set(id, (peers = new Map()));
    const had = peers.get(ev.userId);
    this.clearTimer(had?.timer);
    const username = String(ev.username ?? had?.username ?? `user ${ev.userId}`);
    const timer = this.setTimer(() => {
      if (this.#end(id, ev.userId)) this.onChange(id);
    }, this.ttlMs);
    peers.set(ev.userId, { username, timer });
    return had?.username === username ? null : id;
  }

  // Their message arrived: they are done typing it. → whether that changed anything.
  messageFrom(conversationId, userId) {
    return this.#end(conversationId, userId);
  }

  names(conversationId) {
    return [...(this.typing.get(conversationId)?.values() ?? [])].map((p) => p.username);
  }

  clear() {
    for (const peers of this.typing.values()) for (const p of peers.values()) this.clearTimer(p.timer);
    this.typing.clear();
  }

  #end(id, userId) {
    const peers = this.typing.get(id);
    const had = peers?.get(userId);
    if (!had) return false;
    this.clearTimer(had.timer);
    peers.delete(userId);
    if (!peers.size) this.typing.delete(id);
    return true;
  }
}
