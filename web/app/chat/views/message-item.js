// One entry of the message list: a day separator, or a message (sender, text or image, time,
// its sending state, Read/Sent marker, and Retry/Discard when it failed).
import { h, timeOf, dayLabel } from '../../dom.js';
import { safeUrl } from '../../url.js';

const IMAGE_BOX = 280; // images are shown at most this wide or tall (CSS px)

export function dayEl(iso) {
  return h('li', { class: 'day' }, h('span', { text: dayLabel(iso) }));
}

// own: sent by us; grouped: follows the same sender closely (no name repeated); marker: 'read' |
// 'sent' | null; connected: whether a pending send is on its way or waiting for the connection.
export function messageEl(m, { own, grouped, marker, connected, onRetry, onDiscard }) {
  const li = h('li', {
    class: `msg ${own ? 'own' : 'other'}${grouped ? ' grouped' : ''} ${m.status}`,
    'data-id': m.id ?? null,
  });
  const who = own ? 'You' : m.username;
  if (!own && !grouped) li.append(h('p', { class: 'msg-sender', text: m.username }));
  else li.append(h('span', { class: 'visually-hidden', text: `${who}: ` }));

  const bubble = h('div', { class: 'bubble' });
  if (m.type === 'image') bubble.append(imageEl(m, own));
  else bubble.append(h('p', { class: 'msg-text', text: m.text }));
  li.append(bubble);

  const meta = h('p', { class: 'msg-meta' });
  if (m.status !== 'failed') {
    meta.append(h('time', { datetime: m.createdAt, title: new Date(m.createdAt).toLocaleString(), text: timeOf(m.createdAt) }));
  }
  if (m.status === 'pending') {
    meta.append(h('span', { class: 'msg-status pending', text: connected ? 'Sending…' : 'Waiting for connection…' }));
  } else if (m.status === 'failed') {
    li.append(h('div', { class: 'msg-error', role: 'alert' },
      h('span', { class: 'msg-error-text', text: `Not sent: ${m.error}` }),
      h('span', { class: 'msg-actions' },
        h('button', { type: 'button', class: 'link-button retry', onclick: () => onRetry(m), text: 'Retry' }),
        h('button', { type: 'button', class: 'link-button discard', onclick: () => onDiscard(m), text: 'Discard' }))));
  } else if (marker === 'read') {
    meta.append(h('span', { class: 'msg-status read-marker', text: 'Read' }));
  } else if (marker === 'sent' && m.id != null) {
    meta.append(h('span', { class: 'msg-status sent-marker', text: 'Sent' }));
  }
  if (meta.childNodes.length) li.append(meta);
  return li;
}

// Sized from the message's width/height before it loads, so the list does not jump.
function imageEl(m, own) {
  let w = m.width > 0 ? m.width : IMAGE_BOX;
  let hgt = m.height > 0 ? m.height : Math.round(IMAGE_BOX * 0.75);
  const scale = Math.min(1, IMAGE_BOX / w, IMAGE_BOX / hgt);
  w = Math.max(1, Math.round(w * scale));
  hgt = Math.max(1, Math.round(hgt * scale));
  const img = h('img', {
    class: 'msg-image',
    src: safeUrl(m.localUrl) ?? safeUrl(m.url),
    alt: own ? 'Image you sent' : `Image from ${m.username}`,
    width: w,
    height: hgt,
    decoding: 'async',
    loading: m.localUrl ? null : 'lazy',
  });
  const href = safeUrl(m.url);
  return href && m.status === 'sent'
    ? h('a', { class: 'image-link', href, target: '_blank', rel: 'noopener', title: 'Open the full image' }, img)
    : img;
}
