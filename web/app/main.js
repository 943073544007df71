// chatd web client: entry point. Plain ES modules, no bundler, no inline script (CSP-friendly).
import { $, avatar } from './dom.js';
import { api, ApiError, session, setUnauthorizedHandler } from './api.js';
import { initAuth } from './auth.js';
import { initProfile } from './profile.js';
import { createChat } from './chat.js';

let me = null;
let running = false;

function toast(message, kind = 'info') {
  const box = $('toasts');
  const item = document.createElement('p');
  item.className = `toast ${kind}`;
  item.textContent = message;
  box.append(item);
  setTimeout(() => item.remove(), 6000);
}

function renderMe() {
  $('me-name').textContent = me.profile?.full_name || me.username;
  $('me-avatar').replaceChildren(avatar(me, { size: 'medium' }));
  $('profile-button').setAttribute('aria-label', `${me.username}: edit your profile`);
}

const chat = createChat({ getMe: () => me, toast });
initProfile({
  getMe: () => me,
  setMe: (user) => {
    me = { ...me, ...user };
    renderMe();
    chat.refreshMe();
  },
});
const auth = initAuth({ onLoggedIn: start });

function endSession(message) {
  if (running) chat.stop();
  running = false;
  me = null;
  session.token = null;
  if ($('profile-dialog').open) $('profile-dialog').close();
  auth.show(message);
}

setUnauthorizedHandler(() => endSession('Your session has ended. Please log in again.'));
$('logout-button').addEventListener('click', () => endSession());

async function start() {
  const res = await api('GET', '/api/profile');
  me = res.data;
  $('auth-screen').hidden = true;
  $('chat-screen').hidden = false;
  renderMe();
  if (running) chat.stop();
  running = true;
  chat.start();
}

if (session.token) {
  start().catch((err) => {
    if (!(err instanceof ApiError && err.status === 401)) auth.show(err.message);
  });
} else {
  auth.show();
}
