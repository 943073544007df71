// URL checks shared by the views and the pure chat store (no DOM here, so node --test can load it).

// Only http(s) URLs, same-origin paths and blob: previews are used as links or image sources.
// Relative URLs resolve against the page; without a page (unit tests) only absolute ones pass.
export function safeUrl(url, base = globalThis.location?.href) {
  if (typeof url !== 'string' || url === '') return null;
  try {
    const parsed = new URL(url, base);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:' || parsed.protocol === 'blob:') return parsed.href;
  } catch {}
  return null;
}

// The server may name one stored image by a relative or an absolute URL: compare them resolved.
export function sameUrl(a, b) {
  if (a == null || b == null) return false;
  return (safeUrl(a) ?? a) === (safeUrl(b) ?? b);
}
