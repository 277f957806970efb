import { PassThrough } from 'node:stream';
import { CliError } from './errors';
import { ask } from './prompt';

/** A terminal as readline sees one: a stream that says it is a TTY, fed what a user types. */
function terminal(): { input: PassThrough & { isTTY: boolean }; output: PassThrough; shown: () => string } {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
  return { input, output, shown: () => shown };
}

describe('ask', () => {
  it('answers with what was typed, showing the question', async () => {
    const tty = terminal();
    const answer = ask('Email: ', {}, tty);
    tty.input.write('me@example.test\r');
    await expect(answer).resolves.toBe('me@example.test');
    expect(tty.shown()).toContain('Email: ');
  });

  it('does not echo a secret', async () => {
    const tty = terminal();
    const answer = ask('Password: ', { secret: true }, tty);
    tty.input.write('hunter2\r');
    await expect(answer).resolves.toBe('hunter2');
    expect(tty.shown()).not.toContain('hunter2');
  });

  it('is canceled by Ctrl-C with exit status 130', async () => {
    const tty = terminal();
    const answer = ask('Password: ', { secret: true }, tty);
    tty.input.write('\x03');
    await expect(answer).rejects.toMatchObject({ code: 'CANCELED', exitCode: 130 });
    await expect(answer).rejects.toBeInstanceOf(CliError);
  });

  it.each([
    ['Ctrl-D', (input: PassThrough) => input.write('\x04')],
    ['the end of input', (input: PassThrough) => input.end()],
  ])('refuses %s before an answer as missing input', async (_name, close) => {
    const tty = terminal();
    const answer = ask('Email: ', {}, tty);
    close(tty.input);
    await expect(answer).rejects.toMatchObject({ code: 'INPUT_REQUIRED', exitCode: 2 });
  });

  it('refuses to ask without a terminal', async () => {
    const input = new PassThrough();
    await expect(ask('Email: ', {}, { input, output: new PassThrough() })).rejects.toMatchObject({
      code: 'INPUT_REQUIRED',
      message: 'Email is needed, and there is no terminal to ask it on',
    });
  });
});
