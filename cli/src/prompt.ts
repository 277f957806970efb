import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError, EXIT_CANCELED, EXIT_USAGE } from './errors';

/** Where `ask` reads and writes: the process's stdin and stderr unless told otherwise. */
export interface PromptStreams {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
}

/**
 * Asks a question on the terminal; `secret` hides what is typed. Refuses when stdin is not a
 * terminal. Ctrl-C cancels (CANCELED, exit 130); Ctrl-D or the end of input before an answer is
 * INPUT_REQUIRED.
 */
export async function ask(
  question: string,
  options: { secret?: boolean } = {},
  streams: PromptStreams = { input: process.stdin, output: process.stderr },
): Promise<string> {
  const what = question.replace(/[:?]?\s*(\[[^\]]*\]\s*)?$/, '');
  if (!streams.input.isTTY)
    throw new CliError(`${what} is needed, and there is no terminal to ask it on`, 'INPUT_REQUIRED', EXIT_USAGE);
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) streams.output.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: streams.input, output, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      let answered = false;
      rl.once('SIGINT', () => reject(new CliError('Canceled', 'CANCELED', EXIT_CANCELED)));
      rl.once('close', () => {
        if (!answered) reject(new CliError(`${what} is needed, and none was given`, 'INPUT_REQUIRED', EXIT_USAGE));
      });
      rl.question(question, (answer) => {
        answered = true;
        resolve(answer);
      });
      muted = options.secret === true;
    });
  } finally {
    rl.close();
    if (options.secret) streams.output.write('\n');
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
