// REST client for chatd: JSON in and out, Bearer token from the session, errors as ApiError with
// the server's message(s) (a string, or a list for body validation errors).

const TOKEN_KEY = 'chatd.token';

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

export class ApiError extends Error {
  constructor(status, body) {
    const raw = body && typeof body === 'object' ? body.message : null;
    const messages = Array.isArray(raw) ? raw.map(String) : [raw ? String(raw) : `Request failed (${status || 'network error'})`];
    super(messages.join('\n'));
    this.status = status;
    this.messages = messages;
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

// api('GET', '/api/profile') → parsed body. Options: body (JSON), form (FormData), auth (default true).
export async function api(method, path, { body, form, auth = true, signal } = {}) {
  const headers = { accept: 'application/json' };
  if (auth && session.token) headers.authorization = `Bearer ${session.token}`;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, { message: 'Cannot reach the server. Check your connection.' });
  }
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { message: text.slice(0, 200) };
  }
  if (!res.ok) {
    if (res.status === 401 && auth) onUnauthorized();
    throw new ApiError(res.status, parsed);
  }
  return parsed;
}
