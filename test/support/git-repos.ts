import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Runs git in `cwd` with a fixed identity and no user or system configuration. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.test',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.test',
    },
  }).trim();
}

/** A real git repository in a temporary directory, on branch `main`. */
export class TestRepository {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'slipway-repo-'));

  constructor() {
    git(this.dir, 'init', '--quiet', '--initial-branch=main');
  }

  /** Writes `files` (path → content) and commits them; returns the commit id. */
  commit(message: string, files: Record<string, string>): string {
    for (const [file, content] of Object.entries(files)) {
      const full = path.join(this.dir, file);
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
    git(this.dir, 'add', '--all');
    git(this.dir, 'commit', '--quiet', '-m', message);
    return git(this.dir, 'rev-parse', 'HEAD');
  }

  /** Switches to branch `name`, creating it from the current commit when it does not exist. */
  branch(name: string): void {
    const exists = git(this.dir, 'branch', '--list', name) !== '';
    git(this.dir, 'checkout', '--quiet', ...(exists ? [name] : ['-b', name]));
  }
}
