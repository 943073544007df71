// Reaching a message of a conversation that may not be loaded yet (a search result, the original
// of a reply): older history pages come in until it is there, or it cannot be.
import { oldestStored } from './message-list.js';

export const MAX_PAGES_BACK = 40; // history pages loaded at most to reach a message (1,200 messages)

// Loads older pages of c until message `id` is in it. loadOlder(c) → a promise (sync.loadOlder);
// stillWanted(): false once the person went elsewhere. → 'found', 'missing' (not in the
// conversation, or no longer: deleted for good, or we left), 'far' (more than maxPages pages
// back), 'error' (a page could not be fetched: c.error says why) or 'cancelled'.
export async function loadUntil(c, id, { loadOlder, stillWanted = () => true, maxPages = MAX_PAGES_BACK }) {
  for (let pages = 0; ; pages++) {
    if (!stillWanted()) return 'cancelled';
    if (c.byId.has(id)) return 'found';
    if (c.loaded) {
      // The list holds every stored message from its oldest one on: one newer than that is gone.
      const oldest = oldestStored(c)?.id;
      if ((oldest != null && oldest < id) || !c.hasMore) return 'missing';
    }
    if (pages >= maxPages) return 'far';
    await loadOlder(c);
    if (c.error) return 'error';
  }
}
