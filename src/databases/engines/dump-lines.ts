import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { DatabaseException, DatabaseExceptionReason } from '../database.exception';

/** Writes one line to a dump, waiting for the stream to drain when its buffer is full. */
export async function writeLine(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}

/** Resolves once everything written to `out` has been flushed (the caller keeps ownership of it). */
export async function endOfDump(out: Writable): Promise<void> {
  if (out.writableNeedDrain) await once(out, 'drain');
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
