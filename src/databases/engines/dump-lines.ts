import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { DatabaseException, DatabaseExceptionReason } from '../database.exception';

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

/** The longest line a dump may hold: the longest string the runtime can make of it. */
export const MAX_DUMP_LINE_BYTES = 0x1fffffe8;

/**
 * The lines of a dump, one at a time, with the bytes read so far (each line and its newline);
 * an empty last line is skipped. A line's pieces are joined once, when its newline arrives; a
 * line longer than `maxLineBytes` is refused.
 */
export async function* readLines(
  input: Readable,
  maxLineBytes = MAX_DUMP_LINE_BYTES,
): AsyncGenerator<{ line: string; bytesRead: number }> {
  let pieces: Buffer[] = [];
  let pendingBytes = 0;
  let bytesRead = 0;
  const tooLong = (): DatabaseException =>
    new DatabaseException(
      DatabaseExceptionReason.BACKUP_CORRUPT,
      `The dump has a line longer than ${maxLineBytes} bytes`,
    );
  for await (const chunk of input) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    let start = 0;
    let newline = data.indexOf(10, start);
    while (newline !== -1) {
      const length = pendingBytes + newline - start;
      if (length > maxLineBytes) throw tooLong();
      const bytes =
        pieces.length === 0 ? data.subarray(start, newline) : Buffer.concat([...pieces, data.subarray(start, newline)]);
      pieces = [];
      pendingBytes = 0;
      bytesRead += length + 1;
      start = newline + 1;
      if (bytes.length > 0) yield { line: bytes.toString('utf8'), bytesRead };
      newline = data.indexOf(10, start);
    }
    if (start < data.length) {
      pendingBytes += data.length - start;
      if (pendingBytes > maxLineBytes) throw tooLong();
      pieces.push(data.subarray(start));
    }
  }
  if (pendingBytes > 0) {
    bytesRead += pendingBytes;
    yield { line: Buffer.concat(pieces).toString('utf8'), bytesRead };
  }
}
