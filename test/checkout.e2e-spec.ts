import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkout } from '../src/builds/git/checkout';
import { checkBranch } from '../src/builds/git/git-ref';
import { parseRepositoryUrl } from '../src/builds/git/repository-url';
import { git, TestRepository } from './support/git-repos';

/**
 * Checkouts of real repositories made with the git CLI, the way a build starts: a branch's head
 * shallowly, a given commit, and the failures a user can cause.
 */
describe('checking out a repository', () => {
  const repo = new TestRepository();
  let first: string;
  let second: string;
  let onFeature: string;
  const directories: string[] = [repo.dir];
  const target = (): string => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'slipway-checkout-')), 'src');
    directories.push(path.dirname(dir));
    return dir;
  };
  const local = () => parseRepositoryUrl(repo.dir, true);

  beforeAll(() => {
    first = repo.commit('First page', { 'index.html': '<h1>v1</h1>' });
    second = repo.commit('Second page', { 'index.html': '<h1>v2</h1>' });
    repo.branch('feature/new-look');
    onFeature = repo.commit('New look', { 'index.html': '<h1>new look</h1>' });
    repo.branch('main');
  });

  afterAll(() => {
    for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  });

  it("checks out a branch's head with one commit of history", async () => {
    const directory = target();
    const done = await checkout({ repository: local(), branch: 'main', directory, timeoutMs: 30_000 });

    expect(done).toEqual({ commitSha: second, subject: 'Second page' });
    expect(readFileSync(path.join(directory, 'index.html'), 'utf8')).toBe('<h1>v2</h1>');
    expect(git(directory, 'rev-list', '--count', 'HEAD')).toBe('1');
  });

  it('checks out another branch, and a given commit of a branch', async () => {
    const feature = await checkout({
      repository: local(),
      branch: checkBranch('feature/new-look'),
      directory: target(),
      timeoutMs: 30_000,
    });
    const directory = target();
    const older = await checkout({
      repository: local(),
      branch: 'main',
      commitSha: first,
      directory,
      timeoutMs: 30_000,
    });

    expect(feature.commitSha).toBe(onFeature);
    expect(older).toEqual({ commitSha: first, subject: 'First page' });
    expect(readFileSync(path.join(directory, 'index.html'), 'utf8')).toBe('<h1>v1</h1>');
  });

  it('fails with git own words for a missing branch, a missing commit or an unreachable repository', async () => {
    await expect(
      checkout({ repository: local(), branch: 'no-such-branch', directory: target(), timeoutMs: 30_000 }),
    ).rejects.toMatchObject({ reason: 'CHECKOUT_FAILED', message: expect.stringMatching(/no-such-branch/) });
    await expect(
      checkout({
        repository: local(),
        branch: 'main',
        commitSha: 'abcdef1234',
        directory: target(),
        timeoutMs: 30_000,
      }),
    ).rejects.toMatchObject({ reason: 'CHECKOUT_FAILED' });
    await expect(
      checkout({
        repository: parseRepositoryUrl(path.join(tmpdir(), 'slipway-nowhere'), true),
        branch: 'main',
        directory: target(),
        timeoutMs: 30_000,
      }),
    ).rejects.toMatchObject({ reason: 'CHECKOUT_FAILED' });
  });

  it('never runs a command smuggled in as a repository address', async () => {
    const proof = path.join(tmpdir(), `slipway-pwned-${Date.now()}`);
    for (const address of [`ext::sh -c touch% ${proof}`, `--upload-pack=touch ${proof}`]) {
      expect(() => parseRepositoryUrl(address, true)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    }
    // Even past the address check, git is told to refuse every transport but the allowed ones.
    await expect(
      checkout({
        repository: { url: `ext::sh -c touch% ${proof}`, kind: 'https' },
        branch: 'main',
        directory: target(),
        timeoutMs: 30_000,
      }),
    ).rejects.toMatchObject({ reason: 'CHECKOUT_FAILED' });
    expect(existsSync(proof)).toBe(false);
  });
});
