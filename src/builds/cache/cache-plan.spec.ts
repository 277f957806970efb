import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { planCache, type CachePlanInput } from './cache-plan';

describe('planCache', () => {
  let workspace: string;
  let outside: string;
  const plan = (input: Partial<CachePlanInput> = {}) =>
    planCache({
      workspace,
      rootDirectory: '',
      packageManager: 'npm',
      cacheDirectories: [],
      installCommand: 'npm ci',
      ...input,
    });

  beforeEach(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'cache-plan-'));
    outside = mkdtempSync(path.join(tmpdir(), 'cache-plan-outside-'));
  });
  afterEach(() => {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it("keys the package manager's and the project's directories on the lockfiles' content", () => {
    writeFileSync(path.join(workspace, 'package-lock.json'), 'v1');
    const first = plan({ cacheDirectories: ['.cache/site'] });
    expect(first).toEqual({
      key: expect.stringMatching(/^[0-9a-f]{64}$/),
      lockfiles: ['package-lock.json'],
      directories: ['.cache/site', '.npm', 'node_modules'],
    });
    expect(plan({ cacheDirectories: ['.cache/site'] }).key).toBe(first.key);
    expect(plan().key).not.toBe(first.key);
    expect(plan({ cacheDirectories: ['.cache/site'], installCommand: 'npm install' }).key).not.toBe(first.key);
    writeFileSync(path.join(workspace, 'package-lock.json'), 'v2');
    expect(plan({ cacheDirectories: ['.cache/site'] }).key).not.toBe(first.key);
  });

  it('looks for lockfiles in the root directory and at the top of the repository', () => {
    mkdirSync(path.join(workspace, 'apps/web'), { recursive: true });
    writeFileSync(path.join(workspace, 'apps/web/go.sum'), 'sum');
    writeFileSync(path.join(workspace, 'yarn.lock'), 'lock');
    expect(plan({ rootDirectory: 'apps/web', packageManager: 'yarn' })).toMatchObject({
      lockfiles: ['apps/web/go.sum', 'yarn.lock'],
      directories: ['.cache/yarn', 'apps/web/node_modules'],
    });
  });

  it('uses no cache without a lockfile or without anything to cache', () => {
    expect(plan()).toEqual({ key: null, reason: expect.stringMatching(/^no lockfile/) });
    writeFileSync(path.join(workspace, 'requirements.txt'), 'flask');
    expect(plan({ packageManager: null })).toEqual({ key: null, reason: expect.stringMatching(/^nothing to cache/) });
  });

  it('does not read a lockfile that links out of the workspace', () => {
    writeFileSync(path.join(outside, 'package-lock.json'), 'secret');
    symlinkSync(path.join(outside, 'package-lock.json'), path.join(workspace, 'package-lock.json'));
    expect(plan().key).toBeNull();
  });
});
