import { Writable } from 'node:stream';
import { SlipwayError } from '../../../client/src';
import { Output } from '../output';
import { pushStopped } from './env';

function capture(): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe('pushStopped', () => {
  const done = { added: ['A'], updated: ['B'], unchanged: ['C'] };

  it("names the failing key, what was set before it, and keeps the API's code", () => {
    const error = pushStopped(new SlipwayError('Not allowed', 'FORBIDDEN'), 'D', done);
    expect(error).toMatchObject({ code: 'FORBIDDEN', exitCode: 1 });
    expect(error.message).toBe(
      'Setting D failed (Not allowed); before it, added: A, updated: B; D and the variables after it were not changed',
    );
  });

  it('reports the same in --json output', () => {
    const stdout = capture();
    const out = new Output({
      json: true,
      env: {},
      stdout: stdout.stream as NodeJS.WriteStream,
      stderr: capture().stream as NodeJS.WriteStream,
    });
    out.failure(pushStopped(new SlipwayError('Not allowed', 'FORBIDDEN'), 'D', done));
    expect(JSON.parse(stdout.text())).toEqual({
      error: {
        code: 'FORBIDDEN',
        message: expect.stringContaining('Setting D failed'),
        failedKey: 'D',
        added: ['A'],
        updated: ['B'],
        unchanged: ['C'],
      },
    });
  });
});
