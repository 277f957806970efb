import { PassThrough, Writable } from 'node:stream';
import { endOfDump, writeLine } from './dump-lines';

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
