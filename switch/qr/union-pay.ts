import { err, ok, type Result } from '../../domain/result.ts';
import { qrError, type QrError } from './errors.ts';
import type { UnionPayAccount } from './decoded-qr.ts';

/**
 * UnionPay's merchant account (ID 15): acquirer IIN (8 digits), forwarding IIN
 * (8 digits) and merchant ID (15 alphanumerics), run together without separators.
 */

const UNION_PAY_ACCOUNT = /^(\d{8})(\d{8})([0-9A-Za-z]{15})$/;

/** Concatenates the parts; `encodeQr` and `decodeQr` refuse a result of the wrong shape. */
export function unionPayAccountValue(p: UnionPayAccount): string {
  return p.acquirerIin + p.forwardingIin + p.merchantId;
}

export function parseUnionPayAccount(value: string): Result<UnionPayAccount, QrError> {
  const m = UNION_PAY_ACCOUNT.exec(value);
  if (!m) {
    return err(
      qrError(
        'QR_FIELD_INVALID',
        'UnionPay account (ID 15) must be acquirer IIN (8 digits) + forwarding IIN (8 digits) + merchant ID (15 alphanumerics)',
        '15',
      ),
    );
  }
  return ok({ acquirerIin: m[1]!, forwardingIin: m[2]!, merchantId: m[3]! });
}
