// Tiny DOM helpers. User text only ever goes through textContent / setAttribute (never innerHTML),
// and URLs from the server pass safeUrl() (url.js) before they reach an href or src.

import { safeUrl } from './url.js';

export const $ = (id) => document.getElementById(id);

// h('li', {class: 'x', onclick: fn, text: 'hi'}, child, 'text', [more]) → element
export function h(tag, props, ...children) {
  const el = tag.includes(':')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.split(':')[1])
    : document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.setAttribute('class', value);
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// A stable colour per person: ids step round the colour wheel by the golden angle.
function hue(seed) {
  if (Number.isInteger(seed)) return Math.round((seed * 137.508 + 200) % 360);
  let x = 0;
  for (const ch of String(seed)) x = (x * 31 + ch.codePointAt(0)) >>> 0;
  return x % 360;
}

export function initials(name) {
  const parts = String(name ?? '?').trim().split(/[\s._-]+/).filter(Boolean);
  const first = (s) => [...s][0] ?? '';
  const letters = parts.length > 1 ? first(parts[0]) + first(parts[1]) : first(parts[0] ?? '') || '?';
  return letters.toUpperCase();
}

// An avatar: the profile image when there is one, else coloured initials. Decorative (alt=""):
// the name is always written next to it.
export function avatar(user, { size = 'medium', online } = {}) {
  const url = safeUrl(user?.profile_image ?? user?.profile?.profile_image);
  const wrap = h('span', { class: `avatar ${size}`, 'aria-hidden': 'true' });
  if (url) {
    wrap.append(h('img', { src: url, alt: '', decoding: 'async' }));
  } else {
    wrap.classList.add('initials');
    wrap.style.setProperty('--avatar-hue', String(hue(user?.id ?? user?.username)));
    wrap.textContent = initials(user?.username);
  }
  if (online !== undefined) wrap.append(h('span', { class: online ? 'presence online' : 'presence' }));
  return wrap;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dateFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
const dateYearFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric' });
const shortDate = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

export function timeOf(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : timeFormat.format(d);
}

export function dayKey(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function dayLabel(iso) {
  const d = new Date(iso);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (dayKey(d) === dayKey(today)) return 'Today';
  if (dayKey(d) === dayKey(yesterday)) return 'Yesterday';
  return d.getFullYear() === today.getFullYear() ? dateFormat.format(d) : dateYearFormat.format(d);
}

// Short stamp for the chat list: a time today, else a date.
export function listStamp(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return dayKey(d) === dayKey(new Date()) ? timeFormat.format(d) : shortDate.format(d);
}
