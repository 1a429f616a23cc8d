/** Where a password is read from: a terminal (raw mode, no echo) or anything else (a pipe, a file). */
export interface PasswordSource extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
}

/** The operator pressed Ctrl-C at the prompt. */
export class PasswordInterrupted extends Error {}

/**
 * Reads one password: at a terminal, typed after `prompt` (written to `prompts`, never to
 * stdout) and not echoed; from a pipe, the whole input less its final line break.
 */
export function readPassword(input: PasswordSource, prompts: NodeJS.WritableStream, prompt: string): Promise<string> {
  return input.isTTY && input.setRawMode ? typed(input, prompts, prompt) : piped(input);
}

async function piped(input: PasswordSource): Promise<string> {
  let text = '';
  input.setEncoding('utf8');
  for await (const chunk of input) text += chunk as string;
  const password = text.replace(/\r?\n$/, '');
  if (/[\r\n]/.test(password)) throw new Error('the input holds more than one line: give one password, on one line');
  return password;
}

const BACKSPACE = new Set(['\u007f', '\b']);

function typed(input: PasswordSource, prompts: NodeJS.WritableStream, prompt: string): Promise<string> {
  prompts.write(prompt);
  input.setRawMode!(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let password = '';
    const finish = (interrupted: boolean) => {
      input.removeListener('data', onKeys);
      input.setRawMode!(false);
      input.pause();
      prompts.write('\n');
      if (interrupted) reject(new PasswordInterrupted('interrupted'));
      else resolve(password);
    };
    // Raw mode hands over keys as typed (several at once when pasted): Enter ends, Ctrl-C aborts.
    const onKeys = (keys: string) => {
      for (const key of keys) {
        if (key === '\r' || key === '\n' || key === '\u0004') return finish(false);
        if (key === '\u0003') return finish(true);
        if (BACKSPACE.has(key)) password = [...password].slice(0, -1).join('');
        else if (key >= ' ') password += key;
      }
    };
    input.on('data', onKeys);
  });
}
