/**
 * The risk lists' Redis keys and members. Wallet and device ids are unique only within
 * their participant, so their members carry it; merchant ids and IPs are global.
 */
export const LIST_NAMES = ['sanctioned-countries', 'high-risk-mccs', 'blocked-devices', 'blocked-wallets'] as const;
export type ListName = (typeof LIST_NAMES)[number];

export const listKey = (name: ListName) => `risk:list:${name}`;

/** Members of the blocked-wallets and blocked-devices lists: `participant:id`. */
export const scopedMember = (participant: string, id: string) => `${participant}:${id}`;
