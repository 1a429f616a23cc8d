import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPOSITORY_ROOT } from '../../../bench/platform-process.ts';
import { bootstrapMerchants } from '../../../bench/traffic/bootstrap.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH, loadParticipants, type SimulatedParticipant } from '../../../bench/traffic/participants.ts';
import type { PayableMerchant } from '../../../bench/traffic/payment-generator.ts';
import { createSignedClient, type SignedClient } from '../../../bench/traffic/signed-client.ts';
import { devCredentials } from '../../support/platform.ts';

/** What the browser tests do outside the browser: pay as a wallet would, and call the operator API. */
export interface JsonAnswer {
  status: number;
  body: any;
}

export function devUser(username: string): { username: string; password: string; role: string; participant?: string } {
  const user = devCredentials().users.find((u) => u.username === username);
  if (!user) throw new Error(`no development user ${username} in config/dev-credentials.json`);
  return user;
}

export async function operatorCall(baseUrl: string, token: string, method: string, route: string, body?: unknown): Promise<JsonAnswer> {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export async function operatorToken(baseUrl: string, username: string): Promise<string> {
  const { password } = devUser(username);
  const response = await fetch(`${baseUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as { token?: string };
  if (response.status !== 200 || !body.token) throw new Error(`login as ${username}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body.token;
}

/** A route the platform does not have answers 404 NOT_FOUND from the not-found handler. */
export const isMissingRoute = (answer: JsonAnswer) => answer.status === 404 && answer.body?.error?.code === 'NOT_FOUND';

export interface Payers {
  client: SignedClient;
  wallet(id: string): SimulatedParticipant;
  /** A merchant this wallet may pay: abroad for a home-market wallet, in the home market otherwise. */
  merchantFor(walletId: string): PayableMerchant;
  close(): Promise<void>;
}

/** Signed wallets and the merchants' static QR codes, learnt the way acquirers hand them out. */
export async function preparePayers(baseUrl: string): Promise<Payers> {
  const { participants, homeCountry } = loadParticipants(
    path.join(REPOSITORY_ROOT, DEFAULT_CREDENTIALS_PATH),
    path.join(REPOSITORY_ROOT, DEFAULT_CONFIG_PATH),
  );
  const client = createSignedClient(baseUrl, { connections: 4, timeoutMs: 10_000 });
  const merchants = await bootstrapMerchants(client, participants.filter((p) => p.kind === 'acquirer'));
  const wallet = (id: string) => {
    const found = participants.find((p) => p.id === id);
    if (!found) throw new Error(`no participant ${id} in the development credentials`);
    return found;
  };
  return {
    client,
    wallet,
    merchantFor(walletId) {
      const payer = wallet(walletId);
      const merchant = merchants.find((m) => (payer.country === homeCountry ? m.country !== homeCountry : m.country === homeCountry));
      if (!merchant) throw new Error(`no merchant that ${walletId} may pay`);
      return merchant;
    },
    close: () => client.close(),
  };
}

/** One payment from `walletId`; every call is a new payer, so no two alerts are grouped together. */
export async function pay(payers: Payers, walletId: string, payerCountry: string): Promise<JsonAnswer> {
  const merchant = payers.merchantFor(walletId);
  const unique = randomUUID().slice(0, 12);
  const body = {
    txnId: `browser-${randomUUID()}`,
    qr: { payload: merchant.qrPayload },
    amount: { value: merchant.currency === 'KRW' ? '25000' : '42.00', currency: merchant.currency },
    payer: {
      walletId: `w-browser-${unique}`,
      userId: `u-browser-${unique}`,
      deviceId: `d-browser-${unique}`,
      ip: '198.51.100.23',
      country: payerCountry,
      location: { lat: 39.03, lon: 125.75 },
    },
  };
  const answer = await payers.client.send(payers.wallet(walletId), 'POST', '/v1/payments', JSON.stringify(body));
  return { status: answer.status, body: answer.body };
}

/**
 * The development config with a risk deadline long enough for a loaded test machine: these
 * tests are about the console, and a payment scored by the fallback (approved when the
 * deadline passes) would raise no alert. Returns the path of the temporary copy.
 */
export function configWithRelaxedRiskDeadline(deadlineMs = 2000): { path: string; remove(): void } {
  const raw = JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, DEFAULT_CONFIG_PATH), 'utf8')) as { risk?: { deadlineMs?: number } };
  if (raw.risk) raw.risk.deadlineMs = Math.max(raw.risk.deadlineMs ?? 0, deadlineMs);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-console-config-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(raw, null, 2));
  return { path: file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
