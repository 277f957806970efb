import { keyProblem, valueProblem } from './env-var-rules';

export interface DotenvEntry {
  line: number;
  key: string;
  value: string;
}

export interface DotenvRejection {
  line: number;
  reason: string;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };

/**
 * Reads dotenv text as the common tools write it: `KEY=value` lines, an optional `export ` prefix,
 * `#` comments (whole lines, or after an unquoted value following a space), single-quoted and
 * backquoted values taken literally, double-quoted values with `\n`, `\t`, `\"`, `\\` escapes, and
 * quoted values spanning several lines. A line that cannot be read is reported with its number
 * and the reason, and reading goes on with the next one; a name given twice keeps its last value.
 */
export function parseDotenv(text: string): { entries: DotenvEntry[]; rejected: DotenvRejection[] } {
  const lines = text.split(/\r?\n/);
  const entries = new Map<string, DotenvEntry>();
  const rejected: DotenvRejection[] = [];
  for (let i = 0; i < lines.length; i++) {
    const number = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([^=\s]*)\s*(=?)\s*(.*)$/s.exec(line)!;
    const [, key, equals, rest] = match as unknown as [string, string, string, string];
    if (!equals) {
      rejected.push({ line: number, reason: `no "=" after ${key ? `the name ${key}` : 'a name'}` });
      continue;
    }
    const badKey = keyProblem(key);
    if (badKey) {
      rejected.push({ line: number, reason: badKey });
      continue;
    }
    const quote = rest[0];
    let value: string;
    if (quote === '"' || quote === "'" || quote === '`') {
      const read = readQuoted(lines, i, lines[i]!.indexOf(rest) + 1, quote);
      if (!read) {
        rejected.push({ line: number, reason: `the ${quote} quote that starts the value is never closed` });
        continue;
      }
      if (!/^\s*(#.*)?$/.test(read.after)) {
        rejected.push({ line: number, reason: 'unexpected text after the closing quote' });
        i = read.endLine;
        continue;
      }
      value = read.value;
      i = read.endLine;
    } else {
      value = rest.replace(/\s+#.*$/, '').trim();
    }
    const badValue = valueProblem(value);
    if (badValue) {
      rejected.push({ line: number, reason: badValue });
      continue;
    }
    entries.delete(key);
    entries.set(key, { line: number, key, value });
  }
  return { entries: [...entries.values()], rejected };
}

/** The value of a quoted string starting at `lines[start][from]`, possibly over several lines. */
function readQuoted(
  lines: string[],
  start: number,
  from: number,
  quote: string,
): { value: string; endLine: number; after: string } | undefined {
  let value = '';
  for (let l = start; l < lines.length; l++) {
    const text = lines[l]!.replace(/\r$/, '');
    for (let c = l === start ? from : 0; c < text.length; c++) {
      const ch = text[c]!;
      if (quote === '"' && ch === '\\' && c + 1 < text.length) {
        const next = text[c + 1]!;
        value += ESCAPES[next] ?? `\\${next}`;
        c += 1;
      } else if (ch === quote) {
        return { value, endLine: l, after: text.slice(c + 1) };
      } else {
        value += ch;
      }
    }
    value += '\n';
  }
  return undefined;
}

/** Dotenv text for `entries`, each value double-quoted with escapes, so that parseDotenv reads it back. */
export function formatDotenv(entries: Array<{ key: string; value: string }>): string {
  const quote = (value: string): string =>
    `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
  return entries.map(({ key, value }) => `${key}=${quote(value)}\n`).join('');
}
