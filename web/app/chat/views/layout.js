// The phone layout: below 760 px the message pane covers the chat list. Tracks which of the two
// shows, lets the browser's Back button return to the list, and says whether a conversation is
// really in front of the user (what unread counts and read receipts go by).
import { $ } from '../../dom.js';

// isCurrent(id): whether that conversation is the open one; onShown(): the open conversation may
// have come into view; onList(): the phone went back to the chat list.
export function createLayout({ isCurrent, onShown, onList }) {
  const narrow = window.matchMedia('(max-width: 760px)');
  let paneOpen = false;

  function setPaneOpen(open, noPush = false) {
    const was = paneOpen;
    paneOpen = open;
    document.body.classList.toggle('pane-open', open);
    // On a phone the pane covers the list: let the browser's Back button return to the list.
    if (narrow.matches && open && !was && !noPush) history.pushState({ chatdPane: true }, '');
  }

  function showList() {
    if (narrow.matches && paneOpen) {
      setPaneOpen(false);
      onList();
    }
  }

  return {
    get narrow() {
      return narrow.matches;
    },
    reset() {
      paneOpen = false;
    },
    setPaneOpen,
    isViewing(id) {
      return (
        isCurrent(id) &&
        document.visibilityState === 'visible' &&
        !$('chat-screen').hidden &&
        (!narrow.matches || paneOpen)
      );
    },
    wire() {
      $('back-button').addEventListener('click', () => {
        if (history.state?.chatdPane) history.back();
        else showList();
      });
      document.addEventListener('visibilitychange', () => onShown());
      window.addEventListener('focus', () => onShown());
      window.addEventListener('popstate', showList);
      narrow.addEventListener('change', () => onShown());
    },
  };
}
