import { Transform, type TransformCallback } from 'node:stream';

/** A `DEFINER=user@host` clause as mariadb-dump writes it (quoted with backticks or quotes). */
const DEFINER =
  /DEFINER\s*=\s*(?:`(?:[^`]|``)*`|'(?:[^'\\]|\\.)*'|[\w.$-]+)\s*@\s*(?:`(?:[^`]|``)*`|'(?:[^'\\]|\\.)*'|[\w.%:-]+)\s?/g;

/** Lines that may carry a DEFINER clause start like one of these: views, triggers, routines, events. */
const HEADS = ['CREATE ', '/*!'];

/** The longest start of a line kept back to rewrite; the rest of a longer line goes through as it is. */
const MAX_HEAD = 65_536;

/** Whether a line starting with `start` may be one that carries a DEFINER clause. */
function mayCarryDefiner(start: string): boolean {
  return HEADS.some((head) => (start.length < head.length ? head.startsWith(start) : start.startsWith(head)));
}

/** The line without its DEFINER clauses, when it is a line that carries them. */
export function withoutDefiner(line: string): string {
  return mayCarryDefiner(line.slice(0, 8)) ? line.replace(DEFINER, '') : line;
}

/**
 * Removes the `DEFINER=…` clauses of views, triggers, routines and events from a mariadb-dump
 * stream, so the objects belong to whoever restores it (restoring into another database as
 * another user fails otherwise). Only statement heads are rewritten, never data (`INSERT` lines
 * pass through untouched), and a clause split across chunks is found all the same. Bytes are
 * handled one to one (latin1), so multi-byte characters split across chunks are not disturbed.
 */
export class DefinerFilter extends Transform {
  /** The start of the current line, held back until it is known whether it needs rewriting. */
  private pending = '';
  /** The current line needs no rewriting: it goes through as it comes. */
  private passing = false;

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    let out = '';
    let position = 0;
    while (position < text.length) {
      const newline = text.indexOf('\n', position);
      const end = newline === -1 ? text.length : newline + 1;
      const piece = text.slice(position, end);
      if (this.passing) {
        out += piece;
      } else {
        this.pending += piece;
        if (newline !== -1) {
          out += withoutDefiner(this.pending);
          this.pending = '';
        } else if (!mayCarryDefiner(this.pending.slice(0, 8)) || this.pending.length > MAX_HEAD) {
          out += withoutDefiner(this.pending);
          this.pending = '';
          this.passing = true;
        }
      }
      if (newline !== -1) this.passing = false;
      position = end;
    }
    callback(null, out.length > 0 ? Buffer.from(out, 'latin1') : undefined);
  }

  override _flush(callback: TransformCallback): void {
    const rest = this.pending.length > 0 ? withoutDefiner(this.pending) : '';
    this.pending = '';
    callback(null, rest.length > 0 ? Buffer.from(rest, 'latin1') : undefined);
  }
}
