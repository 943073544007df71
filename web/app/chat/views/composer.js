// The composer: a growing textarea (Enter sends, Shift+Enter breaks the line), the character
// count near the limit, and images by button, paste or drag and drop onto the pane.
import { $ } from '../../dom.js';

const MAX_TEXT = 4000; // the server's limit; longer text is sent anyway and refused with its reason

// onText(text): a message to send; onImage(file): an image to send.
export function createComposer({ onText, onImage }) {
  const form = $('composer');
  const input = $('composer-input');
  const charCount = $('char-count');
  const upload = $('upload-input');
  const dropOverlay = $('drop-overlay');

  function resize() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
    const n = input.value.length;
    charCount.textContent = n > MAX_TEXT - 400 ? `${n} / ${MAX_TEXT}` : '';
    charCount.classList.toggle('over', n > MAX_TEXT);
  }

  function wireText() {
    input.addEventListener('input', resize);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = input.value;
      if (!text.trim()) return;
      input.value = '';
      resize();
      onText(text);
    });
  }

  function wireImages() {
    $('upload-button').addEventListener('click', () => upload.click());
    upload.addEventListener('change', () => {
      const files = [...(upload.files ?? [])];
      upload.value = '';
      for (const f of files) onImage(f);
      input.focus();
    });
    input.addEventListener('paste', (e) => {
      const files = [...(e.clipboardData?.files ?? [])].filter((f) => f.type.startsWith('image/'));
      if (!files.length) return;
      e.preventDefault();
      for (const f of files) onImage(f);
    });
  }

  function wireDrop() {
    const pane = document.querySelector('.pane');
    // dragenter/dragleave fire for every child the pointer crosses: count them.
    let depth = 0;
    const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');
    pane.addEventListener('dragenter', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth += 1;
      dropOverlay.hidden = false;
    });
    pane.addEventListener('dragover', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    });
    pane.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (!depth) dropOverlay.hidden = true;
    });
    pane.addEventListener('drop', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      dropOverlay.hidden = true;
      for (const f of e.dataTransfer.files) onImage(f);
    });
  }

  return {
    wire() {
      wireText();
      wireImages();
      wireDrop();
    },
    focus(options) {
      input.focus(options);
    },
  };
}
