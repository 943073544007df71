// Inline form errors: server messages are shown under the field they name, the rest above the
// submit button. Validation messages from chatd start with the field name ("password must be…").

export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error, .form-error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

export function showErrors(form, messages) {
  clearErrors(form);
  const general = [];
  let first = null;
  for (const message of messages) {
    const name = String(message).split(/\s/)[0].toLowerCase();
    const input = name && form.elements.namedItem(name);
    const slot = input instanceof HTMLElement ? document.getElementById(`${input.id}-error`) : null;
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-errormessage', slot.id);
      first ??= input;
    } else {
      general.push(message);
    }
  }
  const formError = form.querySelector('.form-error');
  if (formError) formError.textContent = general.join(' ');
  (first ?? form.querySelector('[aria-invalid]'))?.focus();
}

export function setBusy(form, busy) {
  form.setAttribute('aria-busy', busy ? 'true' : 'false');
  for (const button of form.querySelectorAll('button[type=submit]')) button.disabled = busy;
}
