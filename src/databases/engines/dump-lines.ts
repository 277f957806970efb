import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';

/** Writes one line to a dump, waiting for the stream to drain when its buffer is full. */
export async function writeLine(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}

/** Resolves once everything written to `out` has been flushed (the caller keeps ownership of it). */
export async function endOfDump(out: Writable): Promise<void> {
  if (out.writableNeedDrain) await once(out, 'drain');
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
