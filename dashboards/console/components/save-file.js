/**
 * Hands a Blob to the browser as a download: an object URL on a link that is clicked and
 * then revoked. Nothing goes through a URL the server sees, so no token ever does either.
 */
export function saveFile(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the click; the URL is only needed until then.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** "corridor-flows 2025-03-01" -> "corridor-flows-2025-03-01": safe on every file system. */
export function fileSafe(name) {
  return String(name).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 120) || 'export';
}
