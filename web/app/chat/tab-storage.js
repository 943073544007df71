// What this browser tab remembers across a reload (sessionStorage): the open conversation, and
// read receipts (the server's history does not say what the other person has read). Storage
// can be unavailable (private modes, quotas): then nothing is remembered.

const OPEN_KEY = 'chatd.view';
const readKey = (meId) => `chatd.read.${meId}`;

function attempt(fn, fallback = null) {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

export const openConversation = () => attempt(() => sessionStorage.getItem(OPEN_KEY));
export const saveOpenConversation = (id) => attempt(() => sessionStorage.setItem(OPEN_KEY, id));
export const forgetOpenConversation = () => attempt(() => sessionStorage.removeItem(OPEN_KEY));

// → [[userId, messageId], …] as saved, or null.
export const readMarks = (meId) => attempt(() => JSON.parse(sessionStorage.getItem(readKey(meId)) ?? '[]'));
export const saveReadMarks = (meId, marks) => attempt(() => sessionStorage.setItem(readKey(meId), JSON.stringify([...marks])));
