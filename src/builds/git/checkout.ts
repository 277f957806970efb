import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BuildException, BuildExceptionReason } from '../build.exception';
import type { RepositoryUrl } from './repository-url';

export interface CheckoutRequest {
  repository: RepositoryUrl;
  branch: string;
  /** A commit on the branch; the branch's head when absent. */
  commitSha?: string;
  /** An empty directory the code is checked out into. */
  directory: string;
  timeoutMs: number;
}

export interface CheckedOut {
  commitSha: string;
  /** The first line of the commit message. */
  subject: string;
}

/** How deep a checkout of a given commit goes before it falls back to the whole history. */
const COMMIT_DEPTH = 50;

/**
 * Checks out a branch (shallow: one commit) or a commit of it with the git CLI, hardened for
 * addresses users give: no system or global configuration, no prompts, and only the transports the
 * address was checked for (`protocol.allow=never` with https, ssh and, for local repositories,
 * file allowed). Arguments are passed without a shell, after `--`. A failure (unknown branch or
 * commit, unreachable repository) is a CHECKOUT_FAILED error with git's own words.
 */
export async function checkout(request: CheckoutRequest): Promise<CheckedOut> {
  const home = mkdtempSync(path.join(tmpdir(), 'slipway-git-home-'));
  const git = (args: string[], cwd?: string): Promise<string> =>
    runGit(args, { cwd, home, local: request.repository.kind === 'local', timeoutMs: request.timeoutMs });
  try {
    const depth = request.commitSha ? COMMIT_DEPTH : 1;
    await git([
      'clone',
      '--quiet',
      '--no-tags',
      '--single-branch',
      `--depth=${depth}`,
      '--branch',
      request.branch,
      '--',
      request.repository.url,
      request.directory,
    ]);
    if (request.commitSha) {
      const found = await git(['cat-file', '-e', `${request.commitSha}^{commit}`], request.directory).then(
        () => true,
        () => false,
      );
      if (!found) await git(['fetch', '--quiet', '--unshallow', 'origin'], request.directory);
      await git(['checkout', '--quiet', '--detach', request.commitSha], request.directory);
    }
    const [commitSha, subject] = (await git(['log', '-1', '--format=%H%n%s'], request.directory)).split('\n');
    return { commitSha: commitSha!.trim(), subject: subject?.trim() ?? '' };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function runGit(
  args: string[],
  options: { cwd?: string; home: string; local: boolean; timeoutMs: number },
): Promise<string> {
  const transports = [
    '-c',
    'protocol.allow=never',
    '-c',
    'protocol.https.allow=always',
    '-c',
    'protocol.ssh.allow=always',
  ];
  if (options.local) transports.push('-c', 'protocol.file.allow=always');
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...transports, '-c', 'core.hooksPath=/dev/null', ...args],
      {
        cwd: options.cwd,
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 1024 * 1024,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: options.home,
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
          GIT_TERMINAL_PROMPT: '0',
          GIT_SSH_COMMAND: 'ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new',
          LANG: 'C',
        },
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const said = stderr.trim().split('\n').filter(Boolean).slice(-2).join(' ');
        const why = error.killed ? `git took longer than ${options.timeoutMs} ms` : said || error.message;
        reject(new BuildException(BuildExceptionReason.CHECKOUT_FAILED, `Checkout failed: ${why}`));
      },
    );
  });
}
