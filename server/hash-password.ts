import { hashPassword } from './auth/password.ts';
import { PasswordInterrupted, readPassword } from './auth/read-password.ts';
import { developmentSecrets } from './config/production.ts';

/**
 * `npm run hash-password`: an operator's password hashed as a config file's
 * `users[].passwordHash` holds it, printed alone on stdout. The password is typed twice at
 * a terminal, without echo, or piped in (`... | npm run --silent hash-password`), so it is
 * never on a command line, where `ps` and the shell's history would show it.
 */
async function main(): Promise<number> {
  let password: string;
  try {
    password = await readPassword(process.stdin, process.stderr, 'Password: ');
    if (process.stdin.isTTY && (await readPassword(process.stdin, process.stderr, 'Again: ')) !== password) {
      return refuse('the two passwords differ');
    }
  } catch (e) {
    if (e instanceof PasswordInterrupted) return 130;
    return refuse((e as Error).message);
  }
  if (password === '') return refuse('the password is empty');
  // Production mode refuses any hash a development password verifies against: say so now.
  if (developmentSecrets().passwords.includes(password)) {
    return refuse('that is a development password (config/dev-credentials.json), which production mode refuses');
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}

function refuse(why: string): number {
  process.stderr.write(`hash-password: ${why}; nothing was hashed\n`);
  return 1;
}

process.exitCode = await main();
