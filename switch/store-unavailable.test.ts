import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { isStoreUnavailable } from './store-unavailable.ts';

describe('telling a Redis that does not answer from one that answers with an error', () => {
  it('takes the errors of a command that got no answer for an unavailable store', () => {
    for (const message of ['Command timed out', 'Connection is closed.', "Stream isn't writeable and enableOfflineQueue options is false", 'Command aborted due to connection close']) {
      expect(isStoreUnavailable(new Error(message)), message).toBe(true);
    }
    expect(isStoreUnavailable(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBe(true);
    expect(isStoreUnavailable(new ReplyError('LOADING Redis is loading the dataset in memory'))).toBe(true);
  });

  it('leaves a script error, a wrong type or a bug of ours a bug', () => {
    expect(isStoreUnavailable(new ReplyError('ERR user_script:12: attempt to compare nil with number'))).toBe(false);
    expect(isStoreUnavailable(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(isStoreUnavailable(new TypeError("Cannot read properties of undefined (reading 'record')"))).toBe(false);
    expect(isStoreUnavailable('Command timed out')).toBe(false);
  });
});
