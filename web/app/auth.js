// The log-in / register screen.
import { $ } from './dom.js';
import { api, ApiError, session } from './api.js';
import { clearErrors, showErrors, setBusy } from './forms.js';

export function initAuth({ onLoggedIn }) {
  const loginForm = $('login-form');
  const registerForm = $('register-form');
  const tabs = [$('tab-login'), $('tab-register')];

  function selectTab(tab, focus = true) {
    for (const t of tabs) {
      const selected = t === tab;
      t.setAttribute('aria-selected', String(selected));
      t.tabIndex = selected ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !selected;
    }
    if (focus) tab.focus();
  }
  for (const tab of tabs) {
    tab.addEventListener('click', () => selectTab(tab));
    tab.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
      e.preventDefault();
      selectTab(tabs[(tabs.indexOf(tab) + 1) % tabs.length]);
    });
  }

  async function logIn(email, password) {
    const res = await api('POST', '/api/auth/login', { body: { email, password }, auth: false });
    session.token = res.access_token;
    await onLoggedIn();
  }

  loginForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const email = loginForm.elements.email.value.trim();
    const password = loginForm.elements.password.value;
    const missing = [];
    if (!email) missing.push('email should not be empty');
    if (!password) missing.push('password should not be empty');
    if (missing.length) return showErrors(loginForm, missing);
    clearErrors(loginForm);
    setBusy(loginForm, true);
    try {
      await logIn(email, password);
      loginForm.reset();
    } catch (err) {
      showErrors(loginForm, err instanceof ApiError ? err.messages : [String(err.message ?? err)]);
    } finally {
      setBusy(loginForm, false);
    }
  });

  registerForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = registerForm.elements;
    const body = {
      email: f.email.value.trim(),
      username: f.username.value.trim(),
      password: f.password.value,
    };
    if (f.full_name.value.trim()) body.full_name = f.full_name.value.trim();
    if (f.location.value.trim()) body.location = f.location.value.trim();
    if (f.age.value !== '') body.age = Number(f.age.value);
    const problems = [];
    if (!body.email) problems.push('email should not be empty');
    if (!body.username) problems.push('username should not be empty');
    if (body.password.length < 8) problems.push('password must be at least 8 characters');
    if (problems.length) return showErrors(registerForm, problems);
    clearErrors(registerForm);
    setBusy(registerForm, true);
    try {
      await api('POST', '/api/auth/register', { body, auth: false });
      await logIn(body.email, body.password);
      registerForm.reset();
    } catch (err) {
      showErrors(registerForm, err instanceof ApiError ? err.messages : [String(err.message ?? err)]);
    } finally {
      setBusy(registerForm, false);
    }
  });

  return {
    show(message) {
      $('auth-screen').hidden = false;
      $('chat-screen').hidden = true;
      document.title = 'chatd — log in';
      selectTab(tabs[0], false);
      if (message) loginForm.querySelector('.form-error').textContent = message;
      $('login-email').focus();
    },
  };
}
