import path from 'node:path';
import { BuildException, BuildExceptionReason } from '../build.exception';

export type RepositoryKind = 'https' | 'ssh' | 'local';

export interface RepositoryUrl {
  /** What is handed to git, after the checks. */
  url: string;
  kind: RepositoryKind;
}

const MAX_LENGTH = 2048;
/** `user@host:path`, git's short form of an SSH address. */
const SCP_LIKE = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(.+)$/;

function invalid(message: string): BuildException {
  return new BuildException(BuildExceptionReason.INVALID_REPOSITORY_URL, message);
}

/**
 * Checks a repository address before git ever sees it: https, SSH (`ssh://` or `user@host:path`),
 * or a local path / `file://` when the operator allows local repositories. Refused: anything git
 * would read as an option (a leading `-`, in the address or in its host or path), remote-helper
 * transports that run commands (`ext::`, `fd::`, any `<transport>::`), plain `http://` and `git://`,
 * credentials written into the address, and control characters or spaces.
 */
export function parseRepositoryUrl(raw: string, allowLocal: boolean): RepositoryUrl {
  const value = raw.trim();
  if (value.length === 0 || value.length > MAX_LENGTH)
    throw invalid(`A repository address has 1 to ${MAX_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(value)) throw invalid('A repository address has no spaces or control characters');
  if (value.startsWith('-')) throw invalid('A repository address cannot start with "-"');
  if (value.includes('::')) throw invalid('Remote-helper transports (such as ext:: and fd::) are not allowed');
  if (value.startsWith('/') || value.startsWith('file://')) return local(value, allowLocal);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return remote(value);
  const scp = SCP_LIKE.exec(value);
  if (scp) {
    const [, , host, repoPath] = scp;
    if (host!.startsWith('-') || repoPath!.startsWith('-')) throw invalid('A host or path cannot start with "-"');
    return { url: value, kind: 'ssh' };
  }
  throw invalid('Use an https:// or ssh:// address, or user@host:path');
}

function remote(value: string): RepositoryUrl {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('The repository address is not a valid URL');
  }
  const kind = url.protocol === 'https:' ? 'https' : url.protocol === 'ssh:' ? 'ssh' : undefined;
  if (!kind) throw invalid(`The ${url.protocol.replace(':', '')} protocol is not allowed; use https or ssh`);
  if (!url.hostname || url.hostname.startsWith('-')) throw invalid('The repository address needs a host');
  if (url.password || (kind === 'https' && url.username)) {
    throw invalid('Credentials do not belong in a repository address');
  }
  if (url.pathname.length <= 1) throw invalid('The repository address needs a path');
  return { url: value, kind };
}

function local(value: string, allowLocal: boolean): RepositoryUrl {
  if (!allowLocal) {
    throw new BuildException(
      BuildExceptionReason.LOCAL_REPOSITORY_NOT_ALLOWED,
      'Local repositories are allowed only when the operator sets ALLOW_LOCAL_REPOSITORIES=true',
    );
  }
  const file = value.startsWith('file://') ? decodeURIComponent(value.slice('file://'.length)) : value;
  if (!file.startsWith('/')) throw invalid('A local repository is an absolute path');
  return { url: `file://${path.posix.normalize(file)}`, kind: 'local' };
}
