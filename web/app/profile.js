// The profile dialog: full name, location, age, avatar upload.
import { $, avatar } from './dom.js';
import { api, ApiError } from './api.js';
import { clearErrors, showErrors, setBusy } from './forms.js';

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

export function checkImage(file) {
  if (!IMAGE_TYPES.includes(file.type)) return 'Only PNG, JPEG and WebP images can be sent.';
  if (file.size > MAX_UPLOAD_BYTES) return 'That image is larger than 10 MB.';
  return null;
}

export function initProfile({ getMe, setMe }) {
  const dialog = $('profile-dialog');
  const form = $('profile-form');
  const opener = $('profile-button');
  const saved = $('profile-saved');

  function fill() {
    const me = getMe();
    const p = me.profile ?? {};
    $('profile-username').textContent = me.username;
    $('profile-email').textContent = me.email ?? '';
    $('profile-avatar').replaceChildren(avatar(me, { size: 'large' }));
    form.elements.full_name.value = p.full_name ?? '';
    form.elements.location.value = p.location ?? '';
    form.elements.age.value = p.age ?? '';
  }

  function open() {
    fill();
    clearErrors(form);
    saved.textContent = '';
    dialog.showModal();
    form.elements.full_name.focus();
  }
  function close() {
    dialog.close();
  }
  dialog.addEventListener('close', () => opener.focus());
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) close(); // a click on the backdrop
  });
  opener.addEventListener('click', open);
  $('profile-close').addEventListener('click', close);
  $('profile-cancel').addEventListener('click', close);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = form.elements;
    const body = { full_name: f.full_name.value.trim(), location: f.location.value.trim() };
    if (f.age.value !== '') {
      const age = Number(f.age.value);
      if (!Number.isInteger(age) || age < 0 || age > 150) return showErrors(form, ['age must be a whole number from 0 to 150']);
      body.age = age;
    }
    clearErrors(form);
    saved.textContent = '';
    setBusy(form, true);
    try {
      const res = await api('PUT', '/api/profile/update', { body });
      if (res?.data?.id) setMe(res.data);
      else await refresh();
      fill();
      saved.textContent = 'Saved';
    } catch (err) {
      showErrors(form, err instanceof ApiError ? err.messages : [String(err.message ?? err)]);
    } finally {
      setBusy(form, false);
    }
  });

  const avatarInput = $('avatar-input');
  const avatarError = $('profile-avatar-error');
  $('avatar-button').addEventListener('click', () => avatarInput.click());
  avatarInput.addEventListener('change', async () => {
    const file = avatarInput.files?.[0];
    avatarInput.value = '';
    if (!file) return;
    avatarError.textContent = checkImage(file) ?? '';
    if (avatarError.textContent) return;
    const button = $('avatar-button');
    button.disabled = true;
    button.textContent = 'Uploading…';
    try {
      const form = new FormData();
      form.append('file', file, file.name || 'avatar');
      const res = await api('POST', '/api/profile/update-image', { form });
      if (res?.data?.id) setMe(res.data);
      else await refresh();
      fill();
      saved.textContent = 'Photo updated';
    } catch (err) {
      avatarError.textContent = err instanceof ApiError ? err.messages.join(' ') : String(err.message ?? err);
    } finally {
      button.disabled = false;
      button.textContent = 'Change photo';
    }
  });

  async function refresh() {
    const res = await api('GET', '/api/profile');
    setMe(res.data);
  }

  return { open, close };
}
