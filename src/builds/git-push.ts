import { createHmac, timingSafeEqual } from 'node:crypto';

export type GitProvider = 'github' | 'gitlab' | 'gitea';

export interface GitPush {
  provider: GitProvider;
  branch: string;
  commitSha: string;
}

type Headers = Record<string, string | string[] | undefined>;

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

const hmac = (secret: string, body: Buffer): string => createHmac('sha256', secret).update(body).digest('hex');

/**
 * Which provider sent a webhook, and whether it carries the project's key: GitHub signs the body
 * (`X-Hub-Signature-256: sha256=<hmac>`), Gitea too (`X-Gitea-Signature: <hmac>`), GitLab sends the
 * key itself (`X-Gitlab-Token`). Compared in constant time. Undefined when nothing matches.
 */
export function verifiedProvider(headers: Headers, body: Buffer, secret: string): GitProvider | undefined {
  const github = header(headers, 'x-hub-signature-256');
  if (header(headers, 'x-github-event') && github)
    return sameText(github, `sha256=${hmac(secret, body)}`) ? 'github' : undefined;
  const gitea = header(headers, 'x-gitea-signature');
  if (header(headers, 'x-gitea-event') && gitea) return sameText(gitea, hmac(secret, body)) ? 'gitea' : undefined;
  const gitlab = header(headers, 'x-gitlab-token');
  if (header(headers, 'x-gitlab-event') && gitlab) return sameText(gitlab, secret) ? 'gitlab' : undefined;
  return undefined;
}

/** The event name a provider gives, normalised: `push` for pushes. */
export function eventOf(headers: Headers): string | undefined {
  const gitlab = header(headers, 'x-gitlab-event');
  if (gitlab) return gitlab === 'Push Hook' ? 'push' : gitlab;
  return header(headers, 'x-github-event') ?? header(headers, 'x-gitea-event');
}

/** The branch and commit a push payload names; undefined for tags and deleted branches. */
export function pushOf(provider: GitProvider, payload: unknown): GitPush | undefined {
  const { ref, after, checkout_sha: checkoutSha } = (payload ?? {}) as Record<string, unknown>;
  if (typeof ref !== 'string' || !ref.startsWith('refs/heads/')) return undefined;
  const commitSha = typeof checkoutSha === 'string' ? checkoutSha : after;
  if (typeof commitSha !== 'string' || !/^[0-9a-f]{40,64}$/.test(commitSha) || /^0+$/.test(commitSha)) return undefined;
  return { provider, branch: ref.slice('refs/heads/'.length), commitSha };
}
