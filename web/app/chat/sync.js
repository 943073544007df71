// Getting the store up to date from the REST API: history pages (first and older), catch-up after
// a reconnect, the conversation list, and profiles of people we chat with.
import { ApiError } from '../api.js';
import { directId, groupConversationId } from './ids.js';
import { oldestStored } from './message-list.js';
import * as rest from './rest.js';

// render: the chat's render functions; isViewing(id); markRead(c); toast(message, kind);
// onConversations(): the conversation list came in (whose presence to follow changed);
// onGroupGone(groupId): a group turned out to be one we are not (or no longer) in.
export function createSync({ store, render, isViewing, markRead, toast, onConversations, onGroupGone }) {
  const inFlight = new WeakMap(); // conversation record → its page request (one at a time)

  // The next older page of a conversation (the newest page first). → a promise that settles
  // when it is in; a second call meanwhile gets the same promise.
  function loadOlder(c) {
    if (inFlight.has(c)) return inFlight.get(c);
    if (c.loaded && !c.hasMore) return Promise.resolve();
    const before = oldestStored(c)?.id;
    store.setError(c, null);
    render.statusIfCurrent(c);
    store.setLoading(c, true);
    const request = (async () => {
      try {
        const res = await rest.history(c, { before });
        const batch = (res.data ?? []).map((row) => store.fromHistory(row));
        const { first } = store.applyOlderPage(c, batch, rest.PAGE);
        render.chatList();
        render.ifCurrent(c, first ? { toBottom: true } : { keepOffset: true });
      } catch (err) {
        store.setError(c, err instanceof ApiError ? err.messages.join(' ') : 'Could not load messages.');
        render.statusIfCurrent(c);
      } finally {
        store.setLoading(c, false);
        inFlight.delete(c);
        render.statusIfCurrent(c);
      }
    })();
    inFlight.set(c, request);
    return request;
  }

  // After a reconnect: what was missed, in every conversation whose history is loaded.
  async function catchUp() {
    loadConversations();
    for (const c of store.conversations.values()) {
      if (!c.loaded) continue;
      try {
        const res = await rest.history(c);
        const batch = (res.data ?? []).map((row) => store.fromHistory(row));
        store.applyCatchUp(c, batch, { pageSize: rest.PAGE, viewing: isViewing(c.id) });
        render.chatList();
        render.ifCurrent(c);
      } catch {
        // Left as it is: the next reconnect or a scroll fetches it again.
      }
    }
    render.chatList();
    const c = store.currentConversation;
    if (isViewing(c.id)) markRead(c);
  }

  async function loadConversations() {
    try {
      const keepSince = store.ranks;
      const res = await rest.conversations();
      const { gone } = store.applyConversations(res.data ?? [], { keepSince });
      for (const id of gone) onGroupGone(id);
      onConversations();
      render.chatList();
      const c = store.currentConversation;
      if (c.kind !== 'public') {
        render.header();
        if (isViewing(c.id)) markRead(c);
      }
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) toast('Could not load your conversations.', 'error');
    }
  }

  async function lookUpUser(id) {
    try {
      const res = await rest.user(id);
      store.people.learn(res.data);
      render.chatList();
      if (store.current === directId(id)) render.header();
    } catch {
      // The placeholder name stays ("user 12") until a message brings the real one.
    }
  }

  // A group's record with its members. → the conversation, or null when it could not be had (a
  // 404: we are not in it, which onGroupGone hears). A change announced while the answer was on
  // its way makes it stale: asked again then.
  async function lookUpGroup(id, attempts = 3) {
    try {
      const fetchedAt = store.conversations.get(groupConversationId(id))?.group.changes ?? 0;
      const res = await rest.group(id);
      const c = store.applyGroup(res.data, { fetchedAt });
      if (!c.group.members && attempts > 1) return lookUpGroup(id, attempts - 1);
      render.chatList();
      if (store.current === groupConversationId(id)) {
        render.header();
        render.messages();
      }
      return c;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) onGroupGone(id);
      return null;
    }
  }

  return {
    loadOlder,
    lookUpGroup,
    catchUp,
    loadConversations,
    lookUpUser,
  };
}
