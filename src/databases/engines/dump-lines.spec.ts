import { PassThrough, Readable, Writable } from 'node:stream';
import { DatabaseException, DatabaseExceptionReason } from '../database.exception';
import { endOfDump, readLines, writeLine } from './dump-lines';

async function collect(chunks: (Buffer | string)[], maxLineBytes?: number) {
  const lines: { line: string; bytesRead: number }[] = [];
  for await (const entry of readLines(Readable.from(chunks), maxLineBytes)) lines.push(entry);
  return lines;
}

describe('readLines', () => {
  it('reads lines split across chunks, several in one chunk, and a last line without a newline', async () => {
    const text = 'first\nsecond line\n\nthird ünïcødé 日本\nlast';
    const bytes = Buffer.from(text);
    // One byte at a time splits the multi-byte characters too.
    const oneByOne = [...bytes].map((byte) => Buffer.from([byte]));
    for (const chunks of [[bytes], oneByOne, [bytes.subarray(0, 9), bytes.subarray(9, 30), bytes.subarray(30)]]) {
      expect(await collect(chunks)).toEqual([
        { line: 'first', bytesRead: 6 },
        { line: 'second line', bytesRead: 18 },
        { line: 'third ünïcødé 日本', bytesRead: 19 + Buffer.byteLength('third ünïcødé 日本\n') },
        { line: 'last', bytesRead: bytes.length },
      ]);
    }
  });

  it('reads a long line given in many small chunks whole', async () => {
    const line = 'a'.repeat(4 * 1024 * 1024);
    const chunks: Buffer[] = [];
    for (let i = 0; i < line.length; i += 16 * 1024) chunks.push(Buffer.from(line.slice(i, i + 16 * 1024)));
    chunks.push(Buffer.from('\nnext\n'));
    const lines = await collect(chunks);
    expect(lines.map((entry) => entry.line.length)).toEqual([line.length, 4]);
    expect(lines[0]!.line).toBe(line);
  });

  it('refuses a line longer than the limit, with or without its newline', async () => {
    for (const chunks of [['12345', '6789\n'], ['12345', '6789'], ['123456789\n']]) {
      const failure = await collect(chunks, 8).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(DatabaseException);
      expect((failure as DatabaseException).reason).toBe(DatabaseExceptionReason.BACKUP_CORRUPT);
      expect((failure as DatabaseException).message).toContain('longer than 8 bytes');
    }
    expect(await collect(['1234', '5678\n'], 8)).toEqual([{ line: '12345678', bytesRead: 9 }]);
  });
});

/** A stream whose buffer fills at once and that never makes room by itself. */
function stuck(): Writable {
  return new Writable({
    highWaterMark: 4,
    write(_chunk, _encoding, _callback) {
      // Never calls back: the consumer is gone.
    },
  });
}

describe('dump lines', () => {
  it('writes lines and waits for room when the buffer is full', async () => {
    const out = new PassThrough({ highWaterMark: 8 });
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    for (let i = 0; i < 100; i++) await writeLine(out, `line ${i}`);
    await endOfDump(out);
    expect(Buffer.concat(chunks).toString('utf8').split('\n')).toHaveLength(101);
  });

  it('fails at once on a stream that was already destroyed', async () => {
    const out = new PassThrough();
    out.on('error', () => undefined);
    out.destroy(new Error('the store gave up'));
    await expect(writeLine(out, 'x')).rejects.toThrow('the store gave up');
    const closed = new PassThrough();
    closed.destroy();
    await expect(writeLine(closed, 'x')).rejects.toThrow('its output was closed');
    await expect(endOfDump(closed)).rejects.toThrow('its output was closed');
  });

  it('stops waiting for room when the stream is destroyed meanwhile, with or without an error', async () => {
    const failing = stuck();
    failing.on('error', () => undefined);
    const waiting = writeLine(failing, 'a line longer than the buffer');
    setImmediate(() => failing.destroy(new Error('disk full')));
    await expect(waiting).rejects.toThrow('disk full');

    const closing = stuck();
    const waitingToo = writeLine(closing, 'a line longer than the buffer');
    setImmediate(() => closing.destroy());
    await expect(waitingToo).rejects.toThrow('its output was closed');
  });
});
