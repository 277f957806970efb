import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError, EXIT_USAGE } from './errors';

/** Asks a question on the terminal; `secret` hides what is typed. Refuses when stdin is not a terminal. */
export async function ask(question: string, options: { secret?: boolean } = {}): Promise<string> {
  if (!process.stdin.isTTY)
    throw new CliError(
      `${question.replace(/:\s*$/, '')} is needed, and there is no terminal to ask it on`,
      'INPUT_REQUIRED',
      EXIT_USAGE,
    );
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => resolve(answer));
      muted = options.secret === true;
    });
  } finally {
    rl.close();
    if (options.secret) process.stderr.write('\n');
  }
}

/** All of stdin, without its final newline (for `--password-stdin` and the like). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
