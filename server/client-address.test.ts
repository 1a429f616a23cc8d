import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress } from './client-address.ts';

const request = (peer: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress: peer }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} }) as unknown as IncomingMessage;

describe('clientAddress (what the per-address limit counts for socket.io handshakes)', () => {
  it('is the TCP peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress([])(request('198.51.100.7', '203.0.113.5'))).toBe('198.51.100.7');
  });

  it('is the forwarded client when the peer is a trusted proxy, and the peer otherwise', () => {
    const addressOf = clientAddress(['10.0.0.0/8']);
    expect(addressOf(request('10.1.2.3', '203.0.113.5'))).toBe('203.0.113.5');
    // A caller naming its own address gets nothing from it unless it comes through the proxy.
    expect(addressOf(request('198.51.100.7', '203.0.113.5'))).toBe('198.51.100.7');
    // Through the proxy, an address the caller put in front of the chain is not believed either.
    expect(addressOf(request('10.1.2.3', '192.0.2.66, 203.0.113.5'))).toBe('203.0.113.5');
  });
});
