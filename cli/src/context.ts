import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { RefreshSessionDocument, SlipwayClient, SlipwayError } from '../../client/src';
import { findLink, readCredentials, writeCredentials, type Credentials, type ProjectLink } from './config';
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
 * output. The credential is `--token`, else `SLIPWAY_TOKEN`, else what `slipway login` stored; a
 * stored session is refreshed once when the API says it has expired.
 */
export class Context {
  readonly out: Output;
  readonly apiUrl: string;
  private credentials: Credentials | undefined;
  private readonly explicitToken: string | undefined;
  private clientInstance: SlipwayClient | undefined;

  constructor(
    readonly options: GlobalOptions,
    readonly cwd: string = process.cwd(),
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.out = new Output({ json: options.json === true, env });
    this.credentials = readCredentials(env);
    this.explicitToken = options.token ?? (env.SLIPWAY_TOKEN || undefined);
    this.apiUrl = normaliseApiUrl(
      options.apiUrl ?? (env.SLIPWAY_API_URL || undefined) ?? this.credentials?.apiUrl ?? DEFAULT_API_URL,
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
    if (!this.token())
      throw new CliError('Not logged in: run `slipway login`, or set SLIPWAY_TOKEN', 'UNAUTHENTICATED');
    try {
      return await this.client.request(document, variables);
    } catch (error) {
      if (!(error instanceof SlipwayError) || error.code !== 'UNAUTHENTICATED' || !(await this.refreshSession()))
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
    return found.link.projectId;
  }

  link(): { dir: string; link: ProjectLink } | undefined {
    return findLink(this.cwd);
  }

  saveCredentials(credentials: Credentials): string {
    this.credentials = credentials;
    return writeCredentials(credentials, this.env);
  }

  /** Stored credentials, only when they are for the API in use. */
  storedCredentials(): Credentials | undefined {
    return this.credentials && normaliseApiUrl(this.credentials.apiUrl) === this.apiUrl ? this.credentials : undefined;
  }

  async close(): Promise<void> {
    await this.clientInstance?.close();
  }

  private async refreshSession(): Promise<boolean> {
    const stored = this.storedCredentials();
    if (this.explicitToken || !stored?.session) return false;
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
