import { createHash } from 'node:crypto';
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Response } from 'express';
import { SANDBOX_POLICY } from '../common/http/sandbox-policy';

export interface CopiedTree {
  checksum: string;
  sizeBytes: number;
  fileCount: number;
}

/**
 * Copies a build's output into a deployment's own directory: regular files and directories only
 * (a symbolic link could point anywhere on the worker, so links are left out), never a `.git`
 * directory (an output of `.` would otherwise publish the repository's history), and a checksum
 * over every file's relative path and content, in path order, to tell deployments apart.
 */
export function copyTree(from: string, to: string): CopiedTree {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  let fileCount = 0;
  const walk = (relative: string): void => {
    const source = path.join(from, relative);
    mkdirSync(path.join(to, relative), { recursive: true });
    for (const name of readdirSync(source).sort()) {
      if (name === '.git') continue;
      const child = path.join(relative, name);
      const stat = lstatSync(path.join(from, child));
      if (stat.isDirectory()) walk(child);
      else if (stat.isFile()) {
        copyFileSync(path.join(from, child), path.join(to, child));
        hash
          .update(`${child}\0`)
          .update(readFileSync(path.join(from, child)))
          .update('\0');
        sizeBytes += stat.size;
        fileCount += 1;
      }
    }
  };
  walk('');
  return { checksum: hash.digest('hex'), sizeBytes, fileCount };
}

/**
 * The file a request path names inside a deployment's directory, or undefined: the path is
 * decoded once, may not contain NUL or `..` segments, and must stay inside the directory; a
 * directory means its `index.html`.
 */
export function fileFor(root: string, requestPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.split(/[\\/]/).includes('..')) return undefined;
  const resolved = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  if (resolved !== root && !resolved.startsWith(`${root}${path.sep}`)) return undefined;
  try {
    const stat = lstatSync(resolved);
    if (stat.isDirectory()) return fileFor(root, path.posix.join(decoded, 'index.html'));
    return stat.isFile() ? resolved : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Answers with one of a deployment's files: Express's `sendFile` sets the content type, ETag and
 * Last-Modified, and answers conditional requests (304) and HEAD.
 */
export function sendDeploymentFile(
  res: Response,
  file: string,
  cacheControl: string,
  { sandboxed }: { sandboxed: boolean },
): Promise<void> {
  const headers: Record<string, string> = { 'cache-control': cacheControl, 'x-content-type-options': 'nosniff' };
  if (sandboxed) headers['content-security-policy'] = SANDBOX_POLICY;
  return new Promise<void>((resolve, reject) =>
    res.sendFile(file, { dotfiles: 'allow', headers }, (error) =>
      error && !res.headersSent ? reject(error) : resolve(),
    ),
  );
}
