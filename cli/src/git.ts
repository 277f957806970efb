import { execFileSync } from 'node:child_process';
import { CliError, EXIT_USAGE } from './errors';

/** What the git checkout of a directory is on. */
export interface Checkout {
  /** The branch checked out; undefined on a detached HEAD. */
  branch: string | undefined;
  commit: string;
  /** Whether the working tree has changes not committed (they are not deployed). */
  dirty: boolean;
  /** Commits on the branch its upstream does not have (not on the remote, so not buildable); undefined without one. */
  unpushed: number | undefined;
  /** Whether the checkout has a remote (a clone), so that a branch without an upstream was never pushed. */
  hasRemote: boolean;
}

function run(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}
export { run as runGit };

/** The checkout `cwd` is in, or undefined when it is not in a git working tree (or has no commit yet). */
export function readCheckout(cwd: string): Checkout | undefined {
  if (run(cwd, ['rev-parse', '--is-inside-work-tree']) !== 'true') return undefined;
  const commit = run(cwd, ['rev-parse', 'HEAD']);
  if (!commit) return undefined;
  const ref = run(cwd, ['rev-parse', '--abbrev-ref', 'HEAD']);
  const status = run(cwd, ['status', '--porcelain', '--untracked-files=normal']);
  const ahead = run(cwd, ['rev-list', '--count', '@{upstream}..HEAD']);
  const remotes = run(cwd, ['remote']);
  return {
    branch: ref && ref !== 'HEAD' ? ref : undefined,
    commit,
    dirty: status !== undefined && status !== '',
    unpushed: ahead === undefined ? undefined : Number(ahead),
    hasRemote: remotes !== undefined && remotes !== '',
  };
}

export interface DeployTarget {
  branch: string;
  /** Undefined: the branch's head, as the repository has it. */
  commitSha: string | undefined;
  warnings: string[];
}

/**
 * What to build: the checkout's branch and commit, unless `--branch` / `--commit` say otherwise.
 * A detached HEAD (as CI checks out) needs `--branch` and builds the commit checked out. A branch
 * other than the one checked out builds that branch's head, unless `--commit` names one.
 */
export function deployTarget(
  checkout: Checkout | undefined,
  options: { branch?: string; commit?: string },
): DeployTarget {
  const warnings: string[] = [];
  const branch = options.branch ?? checkout?.branch;
  if (!branch) {
    if (!checkout)
      throw new CliError(
        'This directory is not in a git checkout: run `slipway deploy` in your repository, or pass --branch <name>',
        'NOT_A_GIT_CHECKOUT',
        EXIT_USAGE,
      );
    throw new CliError(
      'The checkout is on a detached HEAD: pass --branch <name> to say which branch this commit deploys as',
      'DETACHED_HEAD',
      EXIT_USAGE,
    );
  }
  if (options.commit !== undefined && !/^[0-9a-f]{7,40}$/i.test(options.commit))
    throw new CliError(
      `--commit must be a commit id (7 to 40 hex digits), not ${JSON.stringify(options.commit)}`,
      'INVALID_COMMIT',
      EXIT_USAGE,
    );
  const sameAsCheckout = checkout !== undefined && (checkout.branch === undefined || checkout.branch === branch);
  const commitSha = options.commit ?? (sameAsCheckout ? checkout.commit : undefined);
  if (sameAsCheckout && options.commit === undefined) {
    if (checkout.dirty)
      warnings.push(
        'The working tree has changes that are not committed: they are not deployed (the build checks out the commit)',
      );
    // A clone's branch without an upstream: the repository the build checks out may not have it.
    // (A checkout without a remote may well be the repository itself.)
    if (checkout.branch !== undefined && checkout.unpushed === undefined && checkout.hasRemote)
      warnings.push(
        `${branch} has no upstream: push the branch first (\`git push -u origin ${branch}\`); the build checks out the repository, which may not have it`,
      );
    if (checkout.unpushed !== undefined && checkout.unpushed > 0)
      warnings.push(
        `${checkout.unpushed} commit(s) of ${branch} are not pushed: the build checks out the repository, which may not have them`,
      );
  }
  return { branch, commitSha, warnings };
}
