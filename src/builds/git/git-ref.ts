import { BuildException, BuildExceptionReason } from '../build.exception';

const MAX_REF_LENGTH = 255;

/**
 * A branch name as `git check-ref-format --branch` accepts it, and nothing git could take for an
 * option or a revision expression: no leading `-`, no `..`, `@{`, `//`, control characters, spaces
 * or any of `~^:?*[\`, no component starting with `.` or ending with `.lock`, no trailing `/` or `.`.
 */
export function checkBranch(raw: string): string {
  const ref = raw.trim();
  const problem =
    ref.length === 0 || ref.length > MAX_REF_LENGTH
      ? `has 1 to ${MAX_REF_LENGTH} characters`
      : ref.startsWith('-')
        ? 'cannot start with "-"'
        : ref === '@' || ref.includes('..') || ref.includes('@{') || ref.includes('//')
          ? 'cannot be "@" or contain "..", "@{" or "//"'
          : // eslint-disable-next-line no-control-regex
            /[\u0000-\u0020\u007f~^:?*[\\]/.test(ref)
            ? 'cannot contain spaces, control characters or any of ~^:?*[\\'
            : ref.startsWith('/') || ref.endsWith('/') || ref.endsWith('.')
              ? 'cannot start or end with "/" or end with "."'
              : ref.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))
                ? 'cannot have a part that starts with "." or ends with ".lock"'
                : undefined;
  if (problem) throw new BuildException(BuildExceptionReason.INVALID_REF, `A branch name ${problem}`);
  return ref;
}

/** A full or abbreviated commit id (SHA-1 or SHA-256), lower-cased. */
export function checkCommitSha(raw: string): string {
  const sha = raw.trim().toLowerCase();
  if (!/^[0-9a-f]{7,64}$/.test(sha)) {
    throw new BuildException(BuildExceptionReason.INVALID_REF, 'A commit id is 7 to 64 hexadecimal digits');
  }
  return sha;
}
