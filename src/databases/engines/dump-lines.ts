import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';

/** Throws when `out` can take no more: destroyed or failed (a destroyed stream never drains). */
function checkWritable(out: Writable): void {
  if (out.destroyed || out.errored) {
    throw out.errored ?? new Error('The dump could not be written: its output was closed');
  }
}

/** Waits for `out` to drain; rejects as soon as it fails or closes instead. */
async function drained(out: Writable): Promise<void> {
  checkWritable(out);
  const abort = new AbortController();
  try {
    await Promise.race([
      once(out, 'drain', { signal: abort.signal }),
      // `once` rejects on 'error' by itself; 'close' without 'drain' means no room ever comes.
      once(out, 'close', { signal: abort.signal }).then(() => checkWritable(out)),
    ]);
  } finally {
    abort.abort();
  }
  checkWritable(out);
}

/**
 * Writes one line to a dump, waiting for the stream to drain when its buffer is full; throws when
 * the stream was destroyed or failed, before or while waiting.
 */
export async function writeLine(out: Writable, line: string): Promise<void> {
  checkWritable(out);
  if (!out.write(`${line}\n`)) await drained(out);
}

/** Resolves once everything written to `out` has been flushed (the caller keeps ownership of it). */
export async function endOfDump(out: Writable): Promise<void> {
  checkWritable(out);
  if (out.writableNeedDrain) await drained(out);
}

/**
 * The lines of a dump, one at a time, with the bytes read so far (each line and its newline);
 * an empty last line is skipped.
 */
export async function* readLines(input: Readable): AsyncGenerator<{ line: string; bytesRead: number }> {
  let pending: Buffer = Buffer.alloc(0);
  let bytesRead = 0;
  for await (const chunk of input) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
    let start = 0;
    let newline = pending.indexOf(10, start);
    while (newline !== -1) {
      bytesRead += newline - start + 1;
      const line = pending.toString('utf8', start, newline);
      start = newline + 1;
      if (line.length > 0) yield { line, bytesRead };
      newline = pending.indexOf(10, start);
    }
    pending = pending.subarray(start);
  }
  if (pending.length > 0) {
    bytesRead += pending.length;
    yield { line: pending.toString('utf8'), bytesRead };
  }
}
