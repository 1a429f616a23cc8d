import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from './auth/password.ts';
import { PasswordInterrupted, readPassword, type PasswordSource } from './auth/read-password.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `npm run hash-password` with the given stdin (a pipe). */
function hashPasswordWith(input: string) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/hash-password.ts'], { cwd: ROOT, input, encoding: 'utf8', timeout: 20_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run hash-password', () => {
  it('prints, alone on stdout, a hash in the config format that the piped password verifies against', async () => {
    const run = hashPasswordWith('a long operator passphrase\n');
    expect(run.status).toBe(0);
    const hash = run.stdout.trimEnd();
    expect(run.stdout).toBe(`${hash}\n`);
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword('a long operator passphrase', hash)).toBe(true);
  });

  it('refuses a development password, an empty one and more than one line, hashing nothing', () => {
    const devPassword = (JSON.parse(readFileSync(new URL('../config/dev-credentials.json', import.meta.url), 'utf8')) as { users: Array<{ password: string }> })
      .users[0]!.password;
    for (const [input, why] of [
      [`${devPassword}\n`, 'that is a development password (config/dev-credentials.json), which production mode refuses'],
      ['\n', 'the password is empty'],
      ['one\ntwo\n', 'the input holds more than one line'],
    ] as const) {
      const run = hashPasswordWith(input);
      expect([run.status, run.stdout]).toEqual([1, '']);
      expect(run.stderr).toContain(`hash-password: ${why}`);
    }
  });
});

describe('reading a password at a terminal', () => {
  const terminal = () => {
    const input = new PassThrough() as PassThrough & PasswordSource;
    const modes: boolean[] = [];
    input.isTTY = true;
    input.setRawMode = (raw: boolean) => modes.push(raw);
    const prompts = new PassThrough();
    let shown = '';
    prompts.on('data', (d: Buffer) => (shown += d.toString()));
    return { input, prompts, modes, shown: () => shown };
  };

  it('echoes nothing of what is typed, takes backspace and pasted keys, and leaves raw mode at Enter', async () => {
    const t = terminal();
    const read = readPassword(t.input, t.prompts, 'Password: ');
    t.input.write('s3cret-paX');
    t.input.write('\u007fss wörd\r');
    expect(await read).toBe('s3cret-pass wörd');
    expect(t.shown()).toBe('Password: \n');
    expect(t.modes).toEqual([true, false]);
  });

  it('gives up at Ctrl-C', async () => {
    const t = terminal();
    const read = readPassword(t.input, t.prompts, 'Password: ');
    t.input.write('half\u0003');
    await expect(read).rejects.toBeInstanceOf(PasswordInterrupted);
    expect(t.modes).toEqual([true, false]);
  });
});
