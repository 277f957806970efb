import type { ExecutionSpec } from './executor';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The environment an execution sees, built from nothing: never the platform's own (its secrets,
 * its database URLs), only a usable PATH and locale, the workspace as HOME, and what the spec gives.
 */
export function executionEnvironment(spec: Pick<ExecutionSpec, 'env'>, home: string): Record<string, string> {
  return { PATH, HOME: home, LANG: 'C.UTF-8', TMPDIR: '/tmp', CI: '1', ...spec.env };
}

/** The environment of a long-lived process (a function's runtime): the same base, without CI. */
export function processEnvironment(env: Record<string, string>, home: string): Record<string, string> {
  return { PATH, HOME: home, LANG: 'C.UTF-8', TMPDIR: '/tmp', ...env };
}
