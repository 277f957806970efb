import { parse } from 'dotenv';

/** A POSIX variable name, as the API accepts: letters, digits and `_`, not starting with a digit. */
export const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/;

/** The largest value the API stores, in UTF-8 bytes. */
export const MAX_VALUE_BYTES = 64 * 1024;

/** Why the API would refuse `value`, or null when it would store it (the API's own rules). */
export function valueProblem(value: string): string | null {
  if (Buffer.byteLength(value) > MAX_VALUE_BYTES) return `the value is larger than ${MAX_VALUE_BYTES / 1024} KiB`;
  if (value.includes('\0')) return 'the value contains a NUL character';
  return null;
}

/**
 * A `KEY=value` line that the `dotenv` package's `parse` reads back as exactly `value`, or
 * undefined when no quoting can carry it (a value with all three quotes, or with a carriage
 * return and a double quote or a literal `\n`/`\r`).
 *
 * `parse` takes single- and back-quoted values literally (newlines included) and expands only
 * `\n` and `\r` in double-quoted ones; it turns every carriage return of the text into a newline.
 */
export function dotenvLine(key: string, value: string): string | undefined {
  const hasCr = value.includes('\r');
  if (!hasCr && !value.includes("'")) return `${key}='${value}'`;
  if (!hasCr && !value.includes('`')) return `${key}=\`${value}\``;
  if (!value.includes('"') && !/\\[nr]/.test(value))
    return `${key}="${value.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}"`;
  return undefined;
}

/** Parses dotenv text; throws with the offending line when a non-comment line is not `KEY=value`. */
export function parseDotenv(text: string): { values: Record<string, string>; unread: number[] } {
  const values = parse(text);
  // `parse` skips what it cannot read; find such lines: neither blank, nor a comment, nor part of
  // a value that was read (a quoted value over several lines).
  const unread: number[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let open: string | undefined;
  lines.forEach((line, index) => {
    if (open) {
      if (closes(line, open)) open = undefined;
      return;
    }
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = /^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*)(.*)$/.exec(line);
    if (!match || !(match[1]! in values)) {
      unread.push(index + 1);
      return;
    }
    const rest = match[3]!;
    const quote = rest[0];
    if (quote === "'" || quote === '"' || quote === '`') {
      if (!closes(rest.slice(1), quote)) open = quote;
    }
  });
  return { values, unread };
}

function closes(text: string, quote: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '\\' && text[i + 1] === quote) i += 1;
    else if (text[i] === quote) return true;
  }
  return false;
}
