// Finding people: the search box above the chat list (views/people-picker.js); choosing someone
// opens the private chat with them, and the people listed have their presence followed.
import { $ } from '../../dom.js';
import { directId } from '../ids.js';
import { createPeoplePicker } from './people-picker.js';

// onOpen(conversationId): a person was chosen; onShown(userIds): the people listed now.
export function createSearch({ store, onOpen, onShown }) {
  let picker = null;
  return {
    // Listeners go on once: the chat screen is built once per page.
    wire() {
      picker = createPeoplePicker({
        store,
        input: $('user-search'),
        results: $('search-results'),
        status: $('search-status'),
        presence: true,
        onPick: (u) => onOpen(directId(u.id)),
        onShown: (people) => onShown(people.map((u) => u.id)),
      });
    },
    clear: () => picker?.clear(),
    redrawPresence: () => picker?.redrawPresence(),
  };
}
