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
