const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `5s`, `30m`, `2h`, `3d` in milliseconds, or undefined when `text` is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNITS[match[2]!]!;
  return ms > 0 ? ms : undefined;
}

/** A comma-separated list of durations (`5s,5m,30m`), or undefined when any of it is not one. */
export function parseDurationList(text: string): number[] | undefined {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => part === '')) return undefined;
  const durations = parts.map(parseDuration);
  return durations.every((ms) => ms !== undefined) ? (durations as number[]) : undefined;
}
