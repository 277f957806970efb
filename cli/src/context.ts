import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { RefreshSessionDocument, SlipwayClient, SlipwayError } from '../../client/src';
import {
  findLink,
  readCredentials,
  withCredentialsLock,
  writeCredentials,
  type Credentials,
  type ProjectLink,
} from './config';
import { CliError, EXIT_USAGE } from './errors';
import { Output } from './output';

export const DEFAULT_API_URL = 'http://localhost:3000/graphql';

/** The options every command takes (see `main.ts`). */
export interface GlobalOptions {
  apiUrl?: string;
  token?: string;
  json?: boolean;
}

/**
 * What a command runs with: where the API is, the credential to send, the typed client, and the
 * output. The credential is `--token`, else `SLIPWAY_TOKEN`, else what `slipway login` stored,
 * read afresh before every request and connection (another slipway command may have renewed the
 * session meanwhile); a stored session is renewed once when the API says it has expired.
 */
export class Context {
  readonly out: Output;
  readonly apiUrl: string;
  /** Why the stored credentials could not be read, told when a command needs them. */
  private credentialsError: CliError | undefined;
  private readonly explicitToken: string | undefined;
  private clientInstance: SlipwayClient | undefined;

  constructor(
    readonly options: GlobalOptions,
    readonly cwd: string = process.cwd(),
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.out = new Output({ json: options.json === true, env });
    this.explicitToken = options.token ?? (env.SLIPWAY_TOKEN || undefined);
    this.apiUrl = normaliseApiUrl(
      options.apiUrl ?? (env.SLIPWAY_API_URL || undefined) ?? this.readStored()?.apiUrl ?? DEFAULT_API_URL,
    );
  }

  /** The typed client, sending the current credential. */
  get client(): SlipwayClient {
    this.clientInstance ??= new SlipwayClient({ url: this.apiUrl, token: () => this.token() });
    return this.clientInstance;
  }

  /** The bearer credential in use, if any. */
  token(): string | undefined {
    if (this.explicitToken) return this.explicitToken;
    const stored = this.storedCredentials();
    return stored?.apiToken ?? stored?.session?.accessToken;
  }

  /** Runs a query or mutation, refreshing a stored session once when the API reports it expired. */
  async request<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables: TVariables,
  ): Promise<TResult> {
    const sent = this.token();
    if (!sent)
      throw (
        this.credentialsError ??
        new CliError('Not logged in: run `slipway login`, or set SLIPWAY_TOKEN', 'UNAUTHENTICATED')
      );
    try {
      return await this.client.request(document, variables);
    } catch (error) {
      if (!(error instanceof SlipwayError) || error.code !== 'UNAUTHENTICATED' || !(await this.renewSession(sent)))
        throw error;
      return this.client.request(document, variables);
    }
  }

  /** The linked project of this directory (or `--project`), or a usage error saying how to link one. */
  projectId(explicit?: string): string {
    if (explicit) return explicit;
    const found = findLink(this.cwd);
    if (!found)
      throw new CliError(
        'This directory is not linked to a project: run `slipway link <project>`, or pass --project <id>',
        'NOT_LINKED',
        EXIT_USAGE,
      );
    if (found.link.apiUrl && !sameApi(found.link.apiUrl, this.apiUrl))
      this.out.warn(
        `${found.dir} is linked to a project on ${found.link.apiUrl}, not on ${this.apiUrl}, the API in use`,
      );
    return found.link.projectId;
  }

  link(): { dir: string; link: ProjectLink } | undefined {
    return findLink(this.cwd);
  }

  saveCredentials(credentials: Credentials): string {
    const file = writeCredentials(credentials, this.env);
    this.credentialsError = undefined;
    return file;
  }

  /** Stored credentials, read afresh, only when they are for the API in use. */
  storedCredentials(): Credentials | undefined {
    const stored = this.readStored();
    return stored && sameApi(stored.apiUrl, this.apiUrl) ? stored : undefined;
  }

  /** The credentials file as it is now; a malformed one counts as none, its error kept for later. */
  private readStored(): Credentials | undefined {
    try {
      const stored = readCredentials(this.env);
      this.credentialsError = undefined;
      return stored;
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      this.credentialsError = error;
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.clientInstance?.close();
  }

  /**
   * Renews the stored session after the API refused `sent`, its access token; true when there is
   * a new token to retry with. Done under the credentials lock: when another process renewed the
   * session meanwhile, its tokens are taken as they are, since presenting the old refresh token
   * again would make the API revoke the session.
   */
  private async renewSession(sent: string): Promise<boolean> {
    if (this.explicitToken) return false;
    const before = this.storedCredentials();
    if (!before?.session) return false;
    if (before.session.accessToken !== sent) return true;
    return withCredentialsLock(this.env, async () => {
      const stored = this.storedCredentials();
      if (!stored?.session) return false;
      if (stored.session.refreshToken !== before.session?.refreshToken) return true;
      const refresher = new SlipwayClient({ url: this.apiUrl });
      try {
        const { refreshToken: next } = await refresher.request(RefreshSessionDocument, {
          input: { refreshToken: stored.session.refreshToken },
        });
        this.saveCredentials({
          ...stored,
          user: next.user,
          session: {
            accessToken: next.accessToken,
            refreshToken: next.refreshToken,
            expiresAt: new Date(Date.now() + next.expiresIn * 1000).toISOString(),
          },
        });
        return true;
      } catch (error) {
        if (error instanceof SlipwayError && error.code !== 'NETWORK_ERROR')
          throw new CliError('Your session has ended: run `slipway login` again', 'UNAUTHENTICATED');
        throw error;
      } finally {
        await refresher.close();
      }
    });
  }
}

function sameApi(a: string, b: string): boolean {
  try {
    return normaliseApiUrl(a) === normaliseApiUrl(b);
  } catch {
    return false;
  }
}

/** `http://host:3000` and `http://host:3000/graphql` both mean the endpoint. */
export function normaliseApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`The API URL ${JSON.stringify(value)} is not a URL`, 'BAD_API_URL', EXIT_USAGE);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`The API URL must be http:// or https://, not ${url.protocol}`, 'BAD_API_URL', EXIT_USAGE);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/graphql';
  url.hash = '';
  return url.toString().replace(/\/$/, '');
}
