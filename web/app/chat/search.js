// Message search, without DOM: a search's pages (GET /api/chat/search, docs/rest.md#search) and
// their state, the server's snippet as text and highlight parts, the conversations of results,
// and the errors as a person reads them.
import { ApiError } from '../api.js';
import { PUBLIC, directId, groupConversationId, parseConversationId } from './ids.js';

export const SEARCH_PAGE = 20; // results per page
export const MAX_SEARCH_PAGE = 500; // the server's highest `page`

// The search route's `conversation` for one of ours.
export function searchScope(c) {
  if (c.peerId != null) return `private:${c.peerId}`;
  if (c.groupId != null) return `group:${c.groupId}`;
  return PUBLIC;
}

// A result's `conversation` ("public", "private:<userId>", "group:<groupId>") as our id, or null.
export function resultConversation(value) {
  if (value === PUBLIC) return PUBLIC;
  const match = /^(private|group):([1-9]\d*)$/.exec(typeof value === 'string' ? value : '');
  if (!match) return null;
  const id = match[1] === 'private' ? directId(Number(match[2])) : groupConversationId(Number(match[2]));
  return parseConversationId(id) ? id : null;
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text) {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name) => {
    if (name[0] !== '#') return ENTITIES[name.toLowerCase()] ?? whole;
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

// The snippet (escaped text with <mark>…</mark> around matched words) as [{text, mark}], the
// text unescaped: shown with text nodes and <mark> elements, never as HTML. Any other markup
// stays visible text.
export function snippetParts(snippet) {
  const parts = [];
  let mark = false;
  for (const piece of String(snippet ?? '').split(/(<mark>|<\/mark>)/)) {
    if (piece === '<mark>') mark = true;
    else if (piece === '</mark>') mark = false;
    else if (piece) {
      const text = decode(piece);
      const last = parts.at(-1);
      if (last && last.mark === mark) last.text += text;
      else parts.push({ text, mark });
    }
  }
  return parts;
}

// What to tell the person when a search failed (the server's reasons are written for people).
export function searchErrorText(err) {
  if (err instanceof ApiError) {
    if (err.status === 429) return 'Too many searches in a row: wait a moment, then try again.';
    return err.messages.join(' ');
  }
  return 'The search failed. Try again.';
}

// The newest message id we know of anywhere: a search passes `before` = this + 1, so its pages
// stay the same while new messages arrive. null when we know of none.
export function newestKnownId(store) {
  let newest = null;
  for (const c of store.conversations.values()) {
    const id = c.last?.id;
    if (id != null && (newest == null || id > newest)) newest = id;
  }
  return newest;
}

// One search at a time, page after page. fetch(params, signal) → the route's body;
// onChange(state) after every change. state: {q, conversation, before, results, total, page,
// loading, error, hasMore}. A new start() abandons the search before it (its answer is ignored).
export class MessageSearch {
  constructor({ fetch, onChange = () => {}, pageSize = SEARCH_PAGE }) {
    this.fetch = fetch;
    this.onChange = onChange;
    this.pageSize = pageSize;
    this.generation = 0;
    this.controller = null;
    this.state = MessageSearch.empty();
  }

  static empty() {
    return { q: '', conversation: null, before: null, results: [], total: 0, page: 0, loading: false, error: null, hasMore: false };
  }

  // conversation: the search route's scope, or null for all; before: see newestKnownId.
  start({ q, conversation = null, before = null }) {
    this.#abandon();
    this.state = { ...MessageSearch.empty(), q, conversation, before };
    return this.#load(1);
  }

  more() {
    const s = this.state;
    if (!s.q || s.loading || !s.hasMore) return Promise.resolve();
    return this.#load(s.page + 1);
  }

  clear() {
    this.#abandon();
    this.state = MessageSearch.empty();
    this.onChange(this.state);
  }

  #abandon() {
    this.generation += 1;
    this.controller?.abort();
    this.controller = null;
  }

  async #load(page) {
    const generation = this.generation;
    const s = this.state;
    this.controller = new AbortController();
    s.loading = true;
    s.error = null;
    this.onChange(s);
    try {
      const body = await this.fetch(
        { q: s.q, conversation: s.conversation, before: s.before, page, limit: this.pageSize },
        this.controller.signal,
      );
      if (generation !== this.generation) return;
      const batch = Array.isArray(body?.data) ? body.data : [];
      const seen = new Set(s.results.map((r) => r.id));
      s.results.push(...batch.filter((r) => r?.id != null && !seen.has(r.id)));
      s.total = Number.isInteger(body?.meta?.totalItems) ? body.meta.totalItems : s.results.length;
      s.page = page;
      s.hasMore = batch.length === this.pageSize && s.results.length < s.total && page < MAX_SEARCH_PAGE;
    } catch (err) {
      if (generation !== this.generation || err?.name === 'AbortError') return;
      s.error = searchErrorText(err);
    } finally {
      if (generation === this.generation) {
        s.loading = false;
        this.controller = null;
        this.onChange(s);
      }
    }
  }
}
