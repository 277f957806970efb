import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CliError } from './errors';
import { deployTarget, readCheckout, type Checkout } from './git';

const SHA = 'a'.repeat(40);

function checkout(overrides: Partial<Checkout> = {}): Checkout {
  return { branch: 'main', commit: SHA, dirty: false, unpushed: undefined, hasRemote: false, ...overrides };
}

function refusal(run: () => unknown): CliError {
  try {
    run();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected a CliError');
}

describe('deployTarget', () => {
  it("builds the checkout's branch at its commit", () => {
    expect(deployTarget(checkout(), {})).toEqual({ branch: 'main', commitSha: SHA, warnings: [] });
  });

  it('warns that changes not committed are not deployed, and about commits not pushed', () => {
    const { warnings } = deployTarget(checkout({ dirty: true, unpushed: 2 }), {});
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/not committed/);
    expect(warnings[1]).toMatch(/2 commit\(s\) of main are not pushed/);
  });

  it("warns that a clone's branch without an upstream may not be in the repository", () => {
    const { warnings } = deployTarget(checkout({ hasRemote: true }), {});
    expect(warnings).toEqual([expect.stringMatching(/^main has no upstream: push the branch first/)]);
    // Pushed (an upstream), not a clone (the repository itself, maybe), or detached as CI checks out: no warning.
    expect(deployTarget(checkout({ hasRemote: true, unpushed: 0 }), {}).warnings).toEqual([]);
    expect(deployTarget(checkout({ hasRemote: false }), {}).warnings).toEqual([]);
    expect(deployTarget(checkout({ hasRemote: true, branch: undefined }), { branch: 'main' }).warnings).toEqual([]);
  });

  it('needs --branch on a detached HEAD, and then builds the commit checked out', () => {
    const detached = checkout({ branch: undefined });
    const error = refusal(() => deployTarget(detached, {}));
    expect(error).toMatchObject({ code: 'DETACHED_HEAD', exitCode: 2 });
    expect(deployTarget(detached, { branch: 'main' })).toMatchObject({ branch: 'main', commitSha: SHA });
  });

  it("builds another branch's head when --branch names one not checked out", () => {
    expect(deployTarget(checkout({ dirty: true }), { branch: 'feature/x' })).toEqual({
      branch: 'feature/x',
      commitSha: undefined,
      warnings: [],
    });
  });

  it('takes --commit as it is given, and refuses one that is not a commit id', () => {
    expect(deployTarget(checkout(), { commit: 'ABCDEF1' }).commitSha).toBe('ABCDEF1');
    expect(refusal(() => deployTarget(checkout(), { commit: 'HEAD~1' }))).toMatchObject({
      code: 'INVALID_COMMIT',
      exitCode: 2,
    });
  });

  it('needs --branch outside a git checkout', () => {
    expect(refusal(() => deployTarget(undefined, {}))).toMatchObject({ code: 'NOT_A_GIT_CHECKOUT', exitCode: 2 });
    expect(deployTarget(undefined, { branch: 'main' })).toEqual({ branch: 'main', commitSha: undefined, warnings: [] });
  });
});

describe('readCheckout', () => {
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  const git = (cwd: string, ...args: string[]): string =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        ...env,
        GIT_AUTHOR_NAME: 'T',
        GIT_AUTHOR_EMAIL: 't@e.test',
        GIT_COMMITTER_NAME: 'T',
        GIT_COMMITTER_EMAIL: 't@e.test',
      },
    }).trim();

  it('reads the branch, the commit and whether the tree is dirty, and nothing outside a checkout', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'slipway-cli-git-'));
    expect(readCheckout(dir)).toBeUndefined();
    git(dir, 'init', '--quiet', '--initial-branch=trunk');
    expect(readCheckout(dir)).toBeUndefined();
    writeFileSync(path.join(dir, 'index.html'), 'hi');
    git(dir, 'add', '--all');
    git(dir, 'commit', '--quiet', '-m', 'first');
    const sha = git(dir, 'rev-parse', 'HEAD');
    expect(readCheckout(dir)).toEqual({
      branch: 'trunk',
      commit: sha,
      dirty: false,
      unpushed: undefined,
      hasRemote: false,
    });
    writeFileSync(path.join(dir, 'index.html'), 'changed');
    expect(readCheckout(dir)).toMatchObject({ dirty: true });
    git(dir, 'checkout', '--quiet', '--detach');
    expect(readCheckout(dir)).toMatchObject({ branch: undefined, commit: sha });
  });

  it('tells a clone, and a branch pushed to it, from a branch never pushed', () => {
    const origin = mkdtempSync(path.join(tmpdir(), 'slipway-cli-git-origin-'));
    git(origin, 'init', '--quiet', '--initial-branch=main');
    writeFileSync(path.join(origin, 'index.html'), 'hi');
    git(origin, 'add', '--all');
    git(origin, 'commit', '--quiet', '-m', 'first');
    const clone = mkdtempSync(path.join(tmpdir(), 'slipway-cli-git-clone-'));
    git(clone, 'clone', '--quiet', origin, '.');
    expect(readCheckout(clone)).toMatchObject({ branch: 'main', unpushed: 0, hasRemote: true });
    git(clone, 'checkout', '--quiet', '-b', 'feature');
    expect(readCheckout(clone)).toMatchObject({ branch: 'feature', unpushed: undefined, hasRemote: true });
  });
});
