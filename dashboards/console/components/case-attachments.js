import { apiFile, apiUpload } from '../api.js';
import { describeError, el, replace } from '../dom.js';
import { formatCount, formatTime } from '../format.js';
import { saveFile } from './save-file.js';
import { toast } from './toast.js';

/**
 * A case's evidence (POST/GET /v1/cases/:id/attachments): the list, each a download fetched
 * with the token in its header, and an upload of one file the server takes (PDF, PNG, JPEG,
 * text, CSV, at most 10 MiB). The server checks the bytes; the page only picks the type.
 */
const TYPES_BY_EXTENSION = { pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', txt: 'text/plain', csv: 'text/csv' };
const TYPES = new Set(Object.values(TYPES_BY_EXTENSION));
const MAX_BYTES = 10 * 1024 * 1024;

/** The type the server takes for this file: the browser's when it is one, else by its extension. */
function typeOf(file) {
  if (TYPES.has(file.type)) return file.type;
  return TYPES_BY_EXTENSION[file.name.split('.').pop()?.toLowerCase() ?? ''];
}

export function caseAttachments(caseId, { onAdded }) {
  const list = el('ul', { class: 'attachment-list', dataset: { testid: 'case-attachments' } });
  const message = el('div', { attrs: { 'aria-live': 'polite' } });
  const input = el('input', { type: 'file', id: 'attachment-file', name: 'file', accept: [...Object.keys(TYPES_BY_EXTENSION).map((e) => `.${e}`), ...TYPES].join(',') });
  const upload = el('button', { type: 'submit', class: 'button' }, 'Upload');
  const form = el(
    'form',
    { class: 'action-form attachment-form' },
    el('label', { htmlFor: 'attachment-file' }, 'Add a file'),
    el('span', { class: 'field-hint' }, 'PDF, PNG, JPEG, text or CSV, up to 10 MiB.'),
    el('div', { class: 'inline-controls' }, input, upload),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(message);
    const file = input.files?.[0];
    if (!file) return fail('Choose a file first.');
    const type = typeOf(file);
    if (!type) return fail('Only PDF, PNG, JPEG, text and CSV files can be attached.');
    if (file.size > MAX_BYTES) return fail('The file is larger than 10 MiB.');
    upload.disabled = true;
    try {
      const added = await apiUpload(`/v1/cases/${encodeURIComponent(caseId)}/attachments`, file, { type, headers: { 'x-file-name': encodeURIComponent(file.name) } });
      input.value = '';
      toast(`Attached ${added.name}`, 'success');
      onAdded?.(added);
    } catch (e) {
      fail(describeError(e));
    } finally {
      upload.disabled = false;
    }
  });

  function fail(text) {
    replace(message, el('div', { class: 'notice notice-error', attrs: { role: 'alert' } }, text));
  }

  const element = el('section', { class: 'card', attrs: { 'aria-labelledby': 'attachments-title' } }, el('h2', { id: 'attachments-title' }, 'Attachments'), list, message);

  return {
    element,
    /** `canAdd`: false once the case is closed. */
    show(attachments, { canAdd }) {
      if (!attachments?.length) replace(list, el('li', { class: 'muted' }, 'No files yet.'));
      else replace(list, attachments.map((a) => itemOf(caseId, a)));
      if (canAdd && !form.isConnected) element.append(form);
      if (!canAdd) form.remove();
    },
    failed(box) {
      replace(list, box);
    },
  };
}

function itemOf(caseId, a) {
  const download = el('button', { type: 'button', class: 'link-button' }, a.name);
  download.addEventListener('click', async () => {
    try {
      const { blob } = await apiFile(`/v1/cases/${encodeURIComponent(caseId)}/attachments/${encodeURIComponent(a.id)}`, { method: 'GET', accept: a.type });
      saveFile(blob, a.name);
    } catch (e) {
      toast(`Could not download: ${describeError(e)}`, 'error');
    }
  });
  return el(
    'li',
    { class: 'attachment', dataset: { attachmentId: a.id } },
    download,
    el('span', { class: 'muted attachment-meta' }, `${a.type} · ${formatCount(a.bytes)} bytes · ${a.addedBy} · ${formatTime(a.addedAt)}`),
  );
}
