/** Whether a domain event's name matches a pattern: the name itself, a family (`build.*`) or `*`. */
export function matchesEventPattern(pattern: string, event: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return event.startsWith(pattern.slice(0, -1));
  return pattern === event;
}
