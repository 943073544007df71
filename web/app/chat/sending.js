// Our own messages on their way: text over the socket with an ack, images by upload; the
// outbox while disconnected; failures shown on the message with Retry and Discard.
import { ApiError } from '../api.js';
import { checkImage } from '../profile.js';
import * as rest from './rest.js';

// The Socket.IO event and payload that send a text message to its conversation (a reply names
// the message it answers).
export function messageEvent(c, m) {
  const fields = { message: m.text, clientMsgId: m.clientMsgId };
  if (m.replyTo) fields.replyTo = m.replyTo.id;
  if (c.peerId != null) return ['private_message', { recipientId: c.peerId, ...fields }];
  if (c.groupId != null) return ['group_message', { groupId: c.groupId, ...fields }];
  return ['public_message', fields];
}

// connection(): the current connection; render: the chat's render functions; toast(message, kind).
export function createSending({ store, connection, render, toast }) {
  // Object URLs of local previews live until their message goes.
  const revoke = (m) => m.localUrl && URL.revokeObjectURL(m.localUrl);

  function fail(m, message) {
    store.fail(m, message);
    render.ifCurrent(store.conversation(m.conversationId));
  }

  function confirmed(c, m, id, createdAt) {
    const result = store.confirm(c, m, id, createdAt);
    if (!result) return;
    if (result === 'replaced') revoke(m);
    render.chatList();
    render.ifCurrent(c);
  }

  function deliver(m) {
    const c = store.conversation(m.conversationId);
    store.markSending(m);
    render.ifCurrent(c);
    const conn = connection();
    if (!conn.connected) return store.queue(m);
    // The same clientMsgId on every attempt: a resend whose first try was stored gets the first
    // ack and is not stored again.
    const [event, payload] = messageEvent(c, m);
    conn.send(event, payload, (ack) => {
      if (m.id != null) return; // already confirmed by our own broadcast
      if (ack.ok) return confirmed(c, m, ack.id, ack.createdAt);
      if (ack.disconnected) return store.queue(m); // sent again once connected
      if (ack.timedOut) return fail(m, 'The server did not answer. Check your connection and retry.');
      fail(m, ack.message ?? 'The message was not accepted.');
    });
  }

  async function upload(m) {
    const c = store.conversation(m.conversationId);
    store.markSending(m);
    render.ifCurrent(c);
    try {
      const to = { recipientId: c.peerId, groupId: c.groupId, replyTo: m.replyTo?.id };
      const url = await rest.sendImage(m.file, to, m.clientMsgId);
      store.imageStored(c, m, url);
      render.ifCurrent(c);
    } catch (err) {
      fail(m, err instanceof ApiError ? err.messages.join(' ') : 'The image could not be sent.');
    }
  }

  // Decoding the file first refuses what is not an image and gives the size to reserve.
  async function imageSize(localUrl) {
    const probe = new Image();
    probe.src = localUrl;
    await probe.decode();
    return { width: probe.naturalWidth, height: probe.naturalHeight };
  }

  // Once connected again: what waited in the outbox goes, oldest first.
  function flush() {
    for (const m of store.takeQueue()) if (m.id == null) deliver(m);
  }

  return {
    deliver,
    confirmed,
    flush,

    // replyTo: the quote of the message it answers (replies.js quoteOf), or null.
    text(text, { replyTo = null } = {}) {
      const m = store.addPending(store.currentConversation, { type: 'text', text, replyTo });
      render.messages({ toBottom: true });
      deliver(m);
    },

    // takeReply() → {replyTo} as for text, taken once the file is known to be an image (a refused
    // file leaves the reply in place).
    async image(file, takeReply = () => ({})) {
      const problem = checkImage(file);
      if (problem) return toast(problem, 'error');
      const localUrl = URL.createObjectURL(file);
      let size;
      try {
        size = await imageSize(localUrl);
      } catch {
        URL.revokeObjectURL(localUrl);
        return toast('That file does not look like an image.', 'error');
      }
      const { replyTo = null } = takeReply();
      const m = store.addPending(store.currentConversation, { type: 'image', file, localUrl, url: null, replyTo, ...size });
      render.messages({ toBottom: true });
      upload(m);
    },

    retry(m) {
      if (m.type === 'image') upload(m);
      else deliver(m);
    },

    discard(m) {
      store.remove(store.conversation(m.conversationId), m);
      revoke(m);
      render.messages();
    },
  };
}
