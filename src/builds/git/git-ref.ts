import { branchNameProblem } from '../../common/git/branch-name';
import { BuildException, BuildExceptionReason } from '../build.exception';

/**
 * A branch name git accepts and cannot mistake for an option or a revision expression
 * (`branchNameProblem`), trimmed.
 */
export function checkBranch(raw: string): string {
  const ref = raw.trim();
  const problem = branchNameProblem(ref);
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
