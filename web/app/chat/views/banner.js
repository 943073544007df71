// The connection banner above the messages ("Disconnected — trying to reconnect…").
import { $ } from '../../dom.js';

export function createBanner() {
  const el = $('banner');
  let timer = 0;
  return {
    // A blip shorter than delayMs is not worth a banner: it shows only if nothing clears it first.
    show(text, delayMs) {
      clearTimeout(timer);
      timer = setTimeout(() => {
        el.textContent = text;
        el.hidden = false;
      }, delayMs);
    },
    hide() {
      clearTimeout(timer);
      el.hidden = true;
      el.textContent = '';
    },
  };
}
