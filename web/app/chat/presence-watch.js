// Whose presence this tab follows: the server announces a user's comings and goings only to the
// people who share a conversation with them and to sockets that subscribed (presence_subscribe,
// at most 500 users per socket). We subscribe to the people on screen (the open chat, search
// results, the chat list, in that order of importance); the subscription's answer tells who of
// them is online now. Subscriptions end with the connection, recovered or not. No DOM, no socket.

export const MAX_PRESENCE_SUBSCRIPTIONS = 500;

export class PresenceWatch {
  constructor(max = MAX_PRESENCE_SUBSCRIPTIONS) {
    this.max = max;
    this.subscribed = new Set();
  }

  // A new connection: the server knows none of our subscriptions.
  reset() {
    this.subscribed = new Set();
  }

  // wanted: user ids, most important first (repeats and nulls are skipped; beyond `max`, the
  // rest are left out). → {add, drop}: what to subscribe to and unsubscribe from, dropping first
  // so that the server's limit is never crossed.
  update(wanted) {
    const next = new Set();
    for (const id of wanted) {
      if (next.size === this.max) break;
      if (id != null) next.add(id);
    }
    const drop = [...this.subscribed].filter((id) => !next.has(id));
    const add = [...next].filter((id) => !this.subscribed.has(id));
    this.subscribed = next;
    return { add, drop };
  }
}
