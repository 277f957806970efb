import { branchNameProblem, MAX_BRANCH_LENGTH } from '../common/git/branch-name';
import { SettingsException, SettingsExceptionReason } from './settings.exception';

/**
 * Branch patterns, as auto-deploy branches are given: a branch name in which `*` stands for any
 * characters within one part of the name (`feature/*` matches `feature/login`, not
 * `feature/a/b`), `**` for any characters across parts (`feature/**`), and `?` for one character.
 * Git forbids all three in branch names, so a pattern never means two things.
 */
type Token = { wildcard: '*' | '**' | '?' } | { literal: string };

function tokens(pattern: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*' && pattern[i + 1] === '*') {
      out.push({ wildcard: '**' });
      i += 1;
    } else if (char === '*' || char === '?') {
      out.push({ wildcard: char });
    } else {
      out.push({ literal: char });
    }
  }
  return out;
}

/** A branch name as it is stored: trimmed and checked against git's rules. */
export function checkBranchName(raw: string): string {
  const name = raw.trim();
  const problem = branchNameProblem(name);
  if (problem) throw new SettingsException(SettingsExceptionReason.INVALID_BRANCH, `A branch name ${problem}`);
  return name;
}

/**
 * A branch pattern as it is stored, trimmed. Each wildcard stands for at least one character a
 * branch may have, so what is left must follow git's rules for branch names.
 */
export function checkBranchPattern(raw: string): string {
  const pattern = raw.trim();
  const refuse = (problem: string): never => {
    throw new SettingsException(
      SettingsExceptionReason.INVALID_BRANCH_PATTERN,
      `The branch pattern "${pattern.slice(0, 100)}" ${problem}`,
    );
  };
  if (pattern.length === 0 || pattern.length > MAX_BRANCH_LENGTH)
    refuse(`must have 1 to ${MAX_BRANCH_LENGTH} characters`);
  if (pattern.includes('***')) refuse('has more than two * in a row');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f~^:[\\]/.test(pattern)) {
    refuse('cannot contain spaces, control characters or any of ~^:[\\ (* and ? are the wildcards)');
  }
  const problem = branchNameProblem(pattern.replace(/\*\*|\*|\?/g, 'x'));
  if (problem) refuse(problem.replace(/^has/, 'must have'));
  return pattern;
}

/**
 * Whether `branch` matches `pattern`. Computed over prefixes of the branch, one wildcard at a
 * time, so a pattern full of `*` costs its length times the branch's, never more.
 */
export function matchesBranchPattern(pattern: string, branch: string): boolean {
  // reachable[j]: the tokens read so far can spell branch[0, j).
  let reachable = Array.from({ length: branch.length + 1 }, (_, j) => j === 0);
  for (const token of tokens(pattern)) {
    const next = new Array<boolean>(branch.length + 1).fill(false);
    for (let j = 0; j <= branch.length; j++) {
      const char = branch[j - 1];
      if ('wildcard' in token && token.wildcard !== '?') {
        const spans = token.wildcard === '**' || char !== '/';
        next[j] = reachable[j]! || (j > 0 && next[j - 1]! && spans);
      } else if (j > 0 && reachable[j - 1]) {
        next[j] = 'literal' in token ? char === token.literal : char !== '/';
      }
    }
    reachable = next;
  }
  return reachable[branch.length]!;
}

export function matchesAnyBranchPattern(patterns: readonly string[], branch: string): boolean {
  return patterns.some((pattern) => matchesBranchPattern(pattern, branch));
}
