// One conversation's messages: a list kept in display order plus an index by id, so a message
// that reaches us twice (its broadcast and a history page, or an ack and a broadcast) is kept
// once, and one that arrives out of order still lands in its place. Pure functions over the
// list fields of a conversation record (see store.js).
import { byIdThenSeq, sameContent } from './message.js';

export function emptyList() {
  return {
    items: [], // stored messages by id, then unsent ones in the order they were written
    byId: new Map(), // id → message, for stored messages only
    hasMore: true, // older history may exist on the server
    loaded: false, // the newest page has been fetched
    loading: false, // a page is being fetched (live messages are kept meanwhile)
    error: null, // why the last page could not be fetched
  };
}

// → false when a message with that id is already there.
export function insert(list, m) {
  if (m.id != null) {
    if (list.byId.has(m.id)) return false;
    list.byId.set(m.id, m);
  }
  list.items.push(m);
  list.items.sort(byIdThenSeq);
  return true;
}

export function remove(list, m) {
  list.items = list.items.filter((x) => x !== m);
  if (m.id != null && list.byId.get(m.id) === m) list.byId.delete(m.id);
}

// A message in the list got its id: index it and move it to its place.
export function settle(list, m) {
  list.byId.set(m.id, m);
  list.items.sort(byIdThenSeq);
}

// Our unsent message that a stored one (broadcast or history row) turns out to be.
export function findUnsentTwin(list, stored) {
  return list.items.find((x) => x.id == null && x.senderId === stored.senderId && sameContent(x, stored)) ?? null;
}

export const newestStored = (list) => list.items.findLast((m) => m.id != null) ?? null;
export const oldestStored = (list) => list.items.find((m) => m.id != null) ?? null;
