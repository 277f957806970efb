import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/*
 * The worker reads and copies what a build left in its workspace, and does so as itself, with
 * rights the build never had. A build can leave symbolic links pointing anywhere on the worker
 * (the sandbox lets it make them; they only point to nothing in there), so every path the worker
 * follows into a workspace goes through these helpers, which never leave it.
 */

const inside = (root: string, candidate: string): boolean =>
  candidate === root || candidate.startsWith(`${root}${path.sep}`);

/**
 * The real path of the directory `relative` names under `root`, links resolved, when it is a
 * directory that stays inside `root`; undefined when it is missing, not a directory, or leads out.
 */
export function directoryInside(root: string, relative: string): string | undefined {
  try {
    const realRoot = realpathSync(root);
    const real = realpathSync(path.join(realRoot, relative));
    return inside(realRoot, real) && statSync(real).isDirectory() ? real : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `relative` names a file or directory under `dir`, without following a link out. */
export function entryExists(dir: string, relative: string): boolean {
  const parent = directoryInside(dir, path.dirname(relative));
  if (!parent) return false;
  try {
    const stat = lstatSync(path.join(parent, path.basename(relative)));
    return stat.isFile() || stat.isDirectory();
  } catch {
    return false;
  }
}

/**
 * The content of the regular file `name` directly in `dir` (a directory already known to be inside
 * the workspace), or undefined when it is missing, a link, not a regular file, or larger than
 * `maxBytes`.
 */
export function readRegularFile(dir: string, name: string, maxBytes = 8 * 1024 * 1024): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path.join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
