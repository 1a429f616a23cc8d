import type { TransactionEvent } from './transaction.ts';

/**
 * What a case (and an alert group) is about: the entity a typology points at. A payer
 * typology is about the payer's wallet; fan-in, refund abuse at a merchant and the other
 * merchant typologies about the merchant; probing and bursts from one device or one IP about
 * that device or IP. A wallet id is unique within its participant only, so a wallet subject
 * carries its participant; merchants, devices and IPs are the gateway's own.
 */
export type SubjectKind = 'wallet' | 'merchant' | 'device' | 'ip';
export const SUBJECT_KINDS: readonly SubjectKind[] = ['wallet', 'merchant', 'device', 'ip'];

export interface Subject {
  kind: SubjectKind;
  id: string;
  /** The wallet's participant; for the other kinds the participant of the payment that named it. */
  participant: string;
}

/**
 * The default pack's rules whose subject is not the payer's wallet, by rule id. Any other
 * rule's hits are about the payer's wallet (a rule cannot name its subject yet).
 */
const SUBJECT_OF_RULE: Readonly<Record<string, SubjectKind>> = {
  'mule-fan-in': 'merchant',
  'refund-abuse-merchant': 'merchant',
  'screening-merchant-sanctions': 'merchant',
  'high-risk-mcc-night': 'merchant',
  'velocity-device-burst': 'device',
  'probing-device': 'device',
  'velocity-ip-burst': 'ip',
  'probing-ip': 'ip',
};

/** The kind of subject a rule's hits are about. */
export function subjectKindOf(ruleId: string): SubjectKind {
  return SUBJECT_OF_RULE[ruleId] ?? 'wallet';
}

/**
 * The subject of a decided payment for the rule that put it first: that rule's kind of
 * entity, or the payer's wallet when the payment does not carry that entity (a payment
 * without a device cannot be about its device).
 */
export function subjectOf(e: Pick<TransactionEvent, 'participant' | 'payer' | 'merchant'>, ruleId: string): Subject {
  const kind = subjectKindOf(ruleId);
  const wallet: Subject = { kind: 'wallet', id: e.payer.walletId, participant: e.participant };
  if (kind === 'merchant') return { kind, id: e.merchant.id, participant: e.participant };
  if (kind === 'device') return e.payer.deviceId ? { kind, id: e.payer.deviceId, participant: e.participant } : wallet;
  if (kind === 'ip') return e.payer.ip ? { kind, id: e.payer.ip, participant: e.participant } : wallet;
  return wallet;
}

/** The subject as a key: a wallet's includes its participant, the others are the gateway's own. */
export function subjectKey(s: Pick<Subject, 'kind' | 'id' | 'participant'>): string {
  return s.kind === 'wallet' ? `wallet:${s.participant}:${s.id}` : `${s.kind}:${s.id}`;
}
