import { Writable } from 'node:stream';
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

  it('has no colours anywhere with NO_COLOR', () => {
    const stderr = stream(true);
    const out = new Output({ json: false, env: { NO_COLOR: '1' }, stdout: stream(true).stream, stderr: stderr.stream });
    out.warn('careful');
    expect(stderr.text()).toBe('Warning: careful\n');
    expect(out.bold('x')).toBe('x');
  });
});
