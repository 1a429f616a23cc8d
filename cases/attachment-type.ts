/**
 * What a case accepts as evidence: PDF, PNG, JPEG, plain text and CSV, up to 10 MiB, each
 * checked against its declared type by its first bytes, so an executable or an archive
 * named `statement.pdf` is refused, never stored.
 */
export const ATTACHMENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'text/plain', 'text/csv'] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

const starts = (bytes: Uint8Array, magic: readonly number[]) => magic.every((b, i) => bytes[i] === b);
const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
/** Formats that are never text, whatever they are called: ZIP (and office files), ELF, Windows executables, gzip. */
const BINARY = [PDF, PNG, JPEG, [0x50, 0x4b, 0x03, 0x04], [0x7f, 0x45, 0x4c, 0x46], [0x4d, 0x5a], [0x1f, 0x8b]];

export function isAttachmentType(type: string): type is AttachmentType {
  return (ATTACHMENT_TYPES as readonly string[]).includes(type);
}

/** Why the bytes are not what their type says, or undefined when they are. */
export function attachmentMismatch(type: AttachmentType, bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return 'the file is empty';
  if (type === 'application/pdf') return starts(bytes, PDF) ? undefined : 'not a PDF (it does not start with %PDF-)';
  if (type === 'image/png') return starts(bytes, PNG) ? undefined : 'not a PNG image';
  if (type === 'image/jpeg') return starts(bytes, JPEG) ? undefined : 'not a JPEG image';
  if (BINARY.some((magic) => starts(bytes, magic))) return `not ${type}: the file is in a binary format`;
  if (bytes.includes(0)) return `not ${type}: the file holds NUL bytes`;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return `not ${type}: the file is not UTF-8 text`;
  }
  return undefined;
}

/** A file name as it may be shown and offered for download: no path, no control characters, 1-200 characters. */
export function attachmentNameProblem(name: string): string | undefined {
  if (name.length < 1 || name.length > 200) return 'the file name must have 1 to 200 characters';
  if (/[\u0000-\u001f\u007f/\\]/.test(name)) return 'the file name must not hold a path or control characters';
  if (name === '.' || name === '..') return 'the file name must name a file';
  return undefined;
}
