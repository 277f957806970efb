import { PassThrough, Readable, Writable } from 'node:stream';
import { baseEnv, runProgram } from './sql-programs';

function sink(): { out: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { out, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('runProgram (real child processes)', () => {
  it('hands all of the output to the stream without ending it, and passes settings through the environment', async () => {
    const { out, text } = sink();
    await runProgram({
      command: 'sh',
      args: ['-c', 'printf "%s" "$GREETING"; seq 1 20000'],
      env: { ...baseEnv(), GREETING: 'hello\n' },
      output: out,
      secrets: [],
    });
    expect(text().startsWith('hello\n1\n')).toBe(true);
    expect(text().endsWith('\n20000\n')).toBe(true);
    expect(out.writableEnded).toBe(false);
  });

  it('feeds the input and reports the bytes read', async () => {
    const { out, text } = sink();
    const seen: number[] = [];
    await runProgram({
      command: 'cat',
      args: [],
      env: baseEnv(),
      input: Readable.from([Buffer.from('abc'), Buffer.from('defg')]),
      progress: (bytes) => seen.push(bytes),
      output: out,
      secrets: [],
    });
    expect(text()).toBe('abcdefg');
    expect(seen).toEqual([3, 7]);
  });

  it('fails with the exit code and the last lines of stderr, secrets removed', async () => {
    const failure = runProgram({
      command: 'sh',
      args: ['-c', 'echo "one" >&2; echo "auth failed for hunter22" >&2; exit 3'],
      env: baseEnv(),
      secrets: ['hunter22'],
    });
    await expect(failure).rejects.toThrow('sh exited with code 3: one; auth failed for ***');
  });

  it('fails at once, without waiting for the program, when the input was destroyed before it started', async () => {
    const input = new PassThrough();
    input.on('error', () => undefined);
    input.destroy(new Error('the backup file is gone'));
    await expect(
      runProgram({ command: 'sh', args: ['-c', 'cat > /dev/null'], env: baseEnv(), input, secrets: [] }),
    ).rejects.toThrow('the backup file is gone');
  });

  it('kills the program rather than let it take a cut input for a whole one', async () => {
    const input = new PassThrough();
    input.on('error', () => undefined);
    input.write('the first half of a dump\n');
    const running = runProgram({ command: 'sh', args: ['-c', 'cat > /dev/null'], env: baseEnv(), input, secrets: [] });
    setTimeout(() => input.destroy(), 100);
    await expect(running).rejects.toThrow('The input closed before its end');

    const failing = new PassThrough();
    failing.write('more\n');
    const runningToo = runProgram({
      command: 'sh',
      args: ['-c', 'cat > /dev/null'],
      env: baseEnv(),
      input: failing,
      secrets: [],
    });
    setTimeout(() => failing.destroy(new Error('read error')), 100);
    await expect(runningToo).rejects.toThrow('read error');
  });

  it('stops the program when its output is destroyed', async () => {
    const out = new PassThrough();
    out.on('error', () => undefined);
    const running = runProgram({ command: 'sh', args: ['-c', 'yes'], env: baseEnv(), output: out, secrets: [] });
    setTimeout(() => out.destroy(), 100);
    await expect(running).rejects.toThrow('The output closed before the program ended');
  });

  it('says when the program is missing', async () => {
    await expect(
      runProgram({ command: 'no-such-program-here', args: [], env: baseEnv(), secrets: [] }),
    ).rejects.toThrow('no-such-program-here is not installed on this server');
  });

  it('kills the program and fails with the input error when the input fails', async () => {
    const input = new PassThrough();
    const running = runProgram({ command: 'cat', args: [], env: baseEnv(), input, output: sink().out, secrets: [] });
    input.write('partial');
    setImmediate(() => input.destroy(new Error('the backup is corrupt')));
    await expect(running).rejects.toThrow('the backup is corrupt');
  });
});

describe('runProgram when the program stops reading early', () => {
  it('fails with the exit status and releases the input it did not read', async () => {
    const input = new PassThrough();
    input.write('x'.repeat(1_000));
    const running = runProgram({
      command: 'sh',
      args: ['-c', 'head -c 10 >/dev/null; echo "stopped" >&2; exit 2'],
      env: baseEnv(),
      input,
      secrets: [],
    });
    await expect(running).rejects.toThrow('sh exited with code 2: stopped');
    expect(input.destroyed).toBe(true);
  });
});
