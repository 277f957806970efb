/** Longest branch name (and branch pattern) the platform takes. */
export const MAX_BRANCH_LENGTH = 255;

/**
 * What is wrong with a branch name, as `git check-ref-format --branch` sees it and as nothing git
 * could take for an option or a revision expression; undefined when it is fine. No leading `-`, no
 * `..`, `@{`, `//`, control characters, spaces or any of `~^:?*[\`, no component starting with `.`
 * or ending with `.lock`, no trailing `/` or `.`. The phrase completes "A branch name …".
 */
export function branchNameProblem(name: string): string | undefined {
  return name.length === 0 || name.length > MAX_BRANCH_LENGTH
    ? `has 1 to ${MAX_BRANCH_LENGTH} characters`
    : name.startsWith('-')
      ? 'cannot start with "-"'
      : name === '@' || name.includes('..') || name.includes('@{') || name.includes('//')
        ? 'cannot be "@" or contain "..", "@{" or "//"'
        : // eslint-disable-next-line no-control-regex
          /[\u0000-\u0020\u007f~^:?*[\\]/.test(name)
          ? 'cannot contain spaces, control characters or any of ~^:?*[\\'
          : name.startsWith('/') || name.endsWith('/') || name.endsWith('.')
            ? 'cannot start or end with "/" or end with "."'
            : name.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))
              ? 'cannot have a part that starts with "." or ends with ".lock"'
              : undefined;
}
