// The typing indicator on screen: our composer's keys become `typing` events (chat/typing.js
// decides when), and the line under the message list says who is typing in the open
// conversation.
import { $ } from '../../dom.js';
import { TypingSender, TypingPeers, typingText } from '../typing.js';

// connection(): the current connection (or null).
export function createTyping({ store, connection }) {
  const line = $('typing-line');
  const input = $('composer-input');

  const sender = new TypingSender({
    send(target, on) {
      const conn = connection();
      if (!conn?.connected) return;
      // Refused (say, a group we were just removed from): nothing to show, the next message says it.
      conn.request('typing', { ...target, on }, () => {});
    },
  });
  const peers = new TypingPeers({
    onChange: (id) => {
      if (id === store.current) render();
    },
  });

  function render() {
    const text = typingText(peers.names(store.current));
    if (line.textContent !== text) line.textContent = text;
  }

  return {
    render,
    wire() {
      input.addEventListener('input', () => sender.input(store.currentConversation, input.value));
    },
    // A `typing` event from the server.
    event(ev) {
      if (ev?.userId === store.me?.id) return;
      if (peers.apply(ev) === store.current) render();
    },
    // A message of theirs arrived in c.
    messageFrom(c, userId) {
      if (peers.messageFrom(c.id, userId) && c.id === store.current) render();
    },
    // We sent, or left the conversation.
    stop: () => sender.stop(),
    // The connection went, or the session ended: the server ends every indicator of that
    // connection, and we hear no more offs.
    reset() {
      sender.forget();
      peers.clear();
      render();
    },
  };
}
