import { Writable } from 'node:stream';
import { progress } from './commands/deploy';
import type { Context } from './context';
import { Output } from './output';

/** A stream that records what is written, a terminal or not. */
function stream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const writable = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream: Object.assign(writable, { isTTY }) as unknown as NodeJS.WriteStream, text: () => text };
}

const ESC = '\u001b[';

describe('Output colours', () => {
  it.each([
    [true, false, true],
    [false, true, false],
    [true, true, true],
    [false, false, false],
  ])('stderr a terminal: %s, stdout a terminal: %s → coloured warnings: %s', (errTTY, outTTY, coloured) => {
    const stderr = stream(errTTY);
    const stdout = stream(outTTY);
    const out = new Output({ json: false, env: {}, stdout: stdout.stream, stderr: stderr.stream });
    out.warn('careful');
    out.failure({ code: 'X', message: 'failed' });
    expect(stderr.text().includes(ESC)).toBe(coloured);
    expect(out.bold('result').includes(ESC)).toBe(outTTY);
  });

  it("prints the API's reason beside its code, in words and as JSON", () => {
    const failure = { code: 'CONFLICT', reason: 'NOTHING_TO_ROLL_BACK_TO', message: 'Nothing older' };
    const stderr = stream(false);
    new Output({ json: false, env: {}, stdout: stream(false).stream, stderr: stderr.stream }).failure(failure);
    expect(stderr.text()).toBe('Error [CONFLICT]: Nothing older (reason: NOTHING_TO_ROLL_BACK_TO)\n');

    const stdout = stream(false);
    new Output({ json: true, env: {}, stdout: stdout.stream, stderr: stream(false).stream }).failure(failure);
    expect(JSON.parse(stdout.text())).toEqual({ error: failure });

    const plain = stream(false);
    new Output({ json: false, env: {}, stdout: stream(false).stream, stderr: plain.stream }).failure({
      code: 'NOT_FOUND',
      message: 'No such build',
    });
    expect(plain.text()).toBe('Error [NOT_FOUND]: No such build\n');
  });

  it('has no colours anywhere with NO_COLOR', () => {
    const stderr = stream(true);
    const out = new Output({ json: false, env: { NO_COLOR: '1' }, stdout: stream(true).stream, stderr: stderr.stream });
    out.warn('careful');
    expect(stderr.text()).toBe('Warning: careful\n');
    expect(out.bold('x')).toBe('x');
  });
});

/**
 * A terminal both streams write to, as a person sees it: `\r` moves to the start of the line,
 * `ESC[2K` erases the line, `\n` starts a new one, and text overwrites from the cursor on.
 */
function terminal(): { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream; screen: () => string[] } {
  const lines: string[][] = [[]];
  let column = 0;
  const render = (text: string): void => {
    for (let i = 0; i < text.length; i++) {
      const row = lines[lines.length - 1]!;
      if (text.startsWith('\u001b[2K', i)) {
        row.length = 0;
        i += 3;
      } else if (text[i] === '\r') column = 0;
      else if (text[i] === '\n') {
        lines.push([]);
        column = 0;
      } else {
        const char = text.codePointAt(i)!;
        row[column++] = String.fromCodePoint(char);
        if (char > 0xffff) i++;
      }
    }
  };
  const make = (): NodeJS.WriteStream =>
    Object.assign(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          render(chunk.toString());
          done();
        },
      }),
      { isTTY: true },
    ) as unknown as NodeJS.WriteStream;
  return {
    stdout: make(),
    stderr: make(),
    screen: () => lines.map((row) => Array.from(row, (c) => c ?? ' ').join('')),
  };
}

describe('Output spinner', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('erases its line when stopped on a terminal, so the next message starts on a clean line', () => {
    const tty = terminal();
    const out = new Output({ json: false, env: {}, stdout: tty.stdout, stderr: tty.stderr });
    out.spin('waiting for a worker · 0s');
    jest.advanceTimersByTime(250);
    out.spin('building · 1s');
    jest.advanceTimersByTime(250);
    out.spin('building · 2s');
    expect(tty.screen()).toEqual([expect.stringMatching(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] building · 2s$/)]);

    out.stopSpinner();
    expect(tty.screen()).toEqual(['']);
    out.line('✔ Deployed');
    expect(tty.screen()).toEqual(['✔ Deployed', '']);
    // Stopped: no frame comes back.
    jest.advanceTimersByTime(500);
    expect(tty.screen()).toEqual(['✔ Deployed', '']);
  });

  it('erases its line before a failure', () => {
    const tty = terminal();
    const out = new Output({ json: false, env: {}, stdout: tty.stdout, stderr: tty.stderr });
    out.spin('building · 3s');
    jest.advanceTimersByTime(100);
    out.failure({ code: 'BUILD_FAILED', message: 'Build failed' });
    expect(tty.screen()).toEqual(['\u001b[31mError\u001b[0m [BUILD_FAILED]: Build failed', '']);
  });

  it("draws the deploy progress line on a terminal and erases it when the build's outcome comes", () => {
    const tty = terminal();
    const out = new Output({ json: false, env: {}, stdout: tty.stdout, stderr: tty.stderr });
    const bar = progress({ out } as unknown as Context);
    bar.step('clone');
    jest.advanceTimersByTime(2_000);
    expect(tty.screen()).toEqual([expect.stringMatching(/^. clone · 2s$/)]);
    bar.stop();
    out.line('✔ Deployed');
    expect(tty.screen()).toEqual(['✔ Deployed', '']);
  });

  it.each([
    ['not a terminal', false, {}],
    ['a terminal under CI', true, { CI: 'true' }],
  ])('writes each step once as a plain line, nothing else, on %s', (_what, isTTY, env) => {
    const stderr = stream(isTTY);
    const stdout = stream(isTTY);
    const out = new Output({ json: false, env, stdout: stdout.stream, stderr: stderr.stream });
    out.spin('waiting for a worker');
    out.spin('waiting for a worker');
    jest.advanceTimersByTime(500);
    out.spin('building');
    jest.advanceTimersByTime(500);
    out.stopSpinner();
    out.line('done');
    expect(stderr.text()).toBe('waiting for a worker\nbuilding\n');
    expect(stdout.text()).toBe('done\n');
  });

  it('writes nothing for the deploy progress line off a terminal, nor for a spinner under --json', () => {
    const stderr = stream(false);
    const stdout = stream(false);
    const out = new Output({ json: false, env: {}, stdout: stdout.stream, stderr: stderr.stream });
    const bar = progress({ out } as unknown as Context);
    bar.step('clone');
    jest.advanceTimersByTime(3_000);
    bar.step('build');
    bar.stop();
    expect(stderr.text()).toBe('');
    expect(stdout.text()).toBe('');

    const jsonErr = stream(true);
    const jsonOut = stream(true);
    const json = new Output({ json: true, env: {}, stdout: jsonOut.stream, stderr: jsonErr.stream });
    json.spin('building');
    jest.advanceTimersByTime(500);
    json.stopSpinner();
    expect(jsonErr.text()).toBe('');
    expect(jsonOut.text()).toBe('');
  });
});
