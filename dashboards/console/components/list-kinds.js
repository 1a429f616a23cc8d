/**
 * The sixteen typed lists (docs/rules.md, "Typed lists"): a block and an allow list for each
 * kind of subject, named `block:wallet`, `allow:ip`. What a value looks like is said next to
 * every field that takes one, since the server refuses any other spelling.
 */
export const LIST_KINDS = [
  { id: 'block', label: 'Block', hint: 'a payment with a listed subject is declined' },
  { id: 'allow', label: 'Allow', hint: 'a listed subject is exempt from the rules its entry names' },
];

export const LIST_TYPES = [
  { id: 'wallet', label: 'Wallets', value: 'participant:walletId, e.g. siam-wallet:w-1029' },
  { id: 'device', label: 'Devices', value: 'participant:deviceId' },
  { id: 'user', label: 'Users', value: 'participant:userId' },
  { id: 'ip', label: 'IP addresses', value: 'IPv4 or IPv6, e.g. 203.0.113.9' },
  { id: 'merchant', label: 'Merchants', value: 'a merchant id, e.g. m-cn-0001' },
  { id: 'mcc', label: 'MCCs', value: 'four digits, e.g. 7995' },
  { id: 'country', label: 'Countries', value: "ISO alpha-2, e.g. KP; the payer's and the merchant's" },
  { id: 'name', label: 'Names', value: "the payer's name, matched as screening matches names" },
];

export const DEFAULT_LIST = 'block:wallet';

/** `block:ip` -> { kind, type }, or undefined for anything that is not one of the lists. */
export function parseList(list) {
  const [kind, type, extra] = String(list ?? '').split(':');
  if (extra !== undefined || !LIST_KINDS.some((k) => k.id === kind) || !LIST_TYPES.some((t) => t.id === type)) return undefined;
  return { kind, type };
}

/** `block:ip` -> "Block list: IP addresses". */
export function listTitle(list) {
  const parsed = parseList(list);
  if (!parsed) return String(list);
  const kind = LIST_KINDS.find((k) => k.id === parsed.kind);
  const type = LIST_TYPES.find((t) => t.id === parsed.type);
  return `${kind.label} list: ${type.label}`;
}

export const valueHint = (type) => LIST_TYPES.find((t) => t.id === type)?.value ?? '';

/** The list's routes under /v1/lists. */
export const listPath = (list, suffix = '') => {
  const { kind, type } = parseList(list);
  return `/v1/lists/${encodeURIComponent(kind)}/${encodeURIComponent(type)}${suffix}`;
};

/** A `datetime-local` value (the operator's time) as ISO 8601, '' when empty, undefined when unreadable. */
export function localTimeToIso(value) {
  if (!value) return '';
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}
