import type { PayableMerchant } from './payment-generator.ts';
import { isRecord, type SimulatedParticipant } from './participants.ts';
import type { SignedClient, SignedResponse } from './signed-client.ts';

/** Why the simulator cannot start: one line, naming the request and what came back. */
export class BootstrapError extends Error {
  override name = 'BootstrapError';
}

/**
 * Learns the merchants the way acquirers would: each acquirer lists its own merchants
 * and asks for each one's static QR, which payers then scan.
 */
export async function bootstrapMerchants(
  client: SignedClient,
  acquirers: readonly SimulatedParticipant[],
): Promise<PayableMerchant[]> {
  if (acquirers.length === 0) throw new BootstrapError('no acquirer in the credentials: nobody can list merchants');
  const perAcquirer = await Promise.all(acquirers.map((acquirer) => merchantsOf(client, acquirer)));
  const merchants = perAcquirer.flat();
  if (merchants.length === 0) throw new BootstrapError('the acquirers listed no merchants');
  return merchants;
}

async function merchantsOf(client: SignedClient, acquirer: SimulatedParticipant): Promise<PayableMerchant[]> {
  const listed = await call(client, acquirer, 'GET', '/v1/merchants');
  const list = isRecord(listed) && Array.isArray(listed.merchants) ? listed.merchants : undefined;
  if (!list) throw new BootstrapError(`GET /v1/merchants as ${acquirer.id}: 200 without a "merchants" array`);
  return Promise.all(
    list.map(async (entry, index): Promise<PayableMerchant> => {
      const merchant = parseMerchant(entry);
      if (!merchant) {
        throw new BootstrapError(
          `GET /v1/merchants as ${acquirer.id}: merchants[${index}] lacks one of id, name, mcc, country, city, currency (got ${JSON.stringify(entry).slice(0, 200)})`,
        );
      }
      const path = `/v1/merchants/${encodeURIComponent(merchant.id)}/qr`;
      const qr = await call(client, acquirer, 'POST', path, '{}');
      if (!isRecord(qr) || typeof qr.payload !== 'string' || qr.payload === '') {
        throw new BootstrapError(`POST ${path} as ${acquirer.id}: 200 without a "payload" string`);
      }
      return { ...merchant, qrPayload: qr.payload };
    }),
  );
}

async function call(
  client: SignedClient,
  signer: SimulatedParticipant,
  method: 'GET' | 'POST',
  path: string,
  rawBody?: string,
): Promise<unknown> {
  let response: SignedResponse;
  try {
    response = await client.send(signer, method, path, rawBody);
  } catch (e) {
    throw new BootstrapError(`${method} ${path} as ${signer.id}: ${(e as Error).message}`);
  }
  if (response.status !== 200) {
    throw new BootstrapError(`${method} ${path} as ${signer.id}: HTTP ${response.status} ${describeError(response.body)}`);
  }
  return response.body;
}

/** The `{ error: { code, message } }` body of docs/api.md, or whatever came instead. */
export function errorCodeOf(body: unknown): string | undefined {
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  return typeof body.error.code === 'string' ? body.error.code : undefined;
}

function describeError(body: unknown): string {
  const code = errorCodeOf(body);
  if (code) {
    const message = isRecord(body) && isRecord(body.error) ? body.error.message : undefined;
    return typeof message === 'string' ? `${code}: ${message}` : code;
  }
  return body === undefined ? '(no JSON body)' : JSON.stringify(body).slice(0, 200);
}

function parseMerchant(entry: unknown): Omit<PayableMerchant, 'qrPayload'> | undefined {
  if (!isRecord(entry)) return undefined;
  const { id, name, mcc, country, city, currency, network } = entry;
  if (![id, name, mcc, country, city, currency].every((v) => typeof v === 'string' && v !== '')) return undefined;
  return {
    id: id as string,
    name: name as string,
    mcc: mcc as string,
    country: country as string,
    city: city as string,
    currency: currency as string,
    network: typeof network === 'string' ? network : '',
  };
}
