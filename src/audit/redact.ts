const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|credential|private[-_]?key|cookie|signature/i;
const MAX_STRING = 500;
const MAX_DEPTH = 6;
const MAX_ITEMS = 50;

export const REDACTED = '[REDACTED]';

/**
 * A copy of operation arguments fit for the audit log: values under secret-looking keys are
 * replaced, long strings cut and deep structures flattened.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  // An argument the validators are about to refuse can be an Invalid Date, whose toISOString throws.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>).slice(0, MAX_ITEMS)) {
    out[key] = SECRET_KEY.test(key) ? REDACTED : redact(item, depth + 1);
  }
  return out;
}

/** A copy of `value` with what each dotted path names replaced (lists are walked element by element). */
export function redactPaths(value: unknown, paths: readonly string[]): unknown {
  let out = value;
  for (const path of paths) out = redactPath(out, path.split('.'));
  return out;
}

function redactPath(value: unknown, [head, ...rest]: string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => redactPath(item, [head!, ...rest]));
  if (value === null || typeof value !== 'object' || head === undefined || !(head in value)) return value;
  const record = value as Record<string, unknown>;
  return { ...record, [head]: rest.length === 0 ? REDACTED : redactPath(record[head], rest) };
}
