import { Injectable } from '@nestjs/common';
import type { CredentialVerifier } from '../auth/credentials/credential-verifier';
import type { ContextToken, Principal, RequestContext } from '../common/context/request-context';
import { formatProblem, hashApiToken, looksLikeApiToken } from './api-token-format';
import { ApiTokenException, ApiTokenExceptionReason } from './api-token.exception';
import { ApiTokenUsageService } from './api-token-usage.service';
import { ApiTokensService, type TokenState } from './api-tokens.service';

const REFUSALS: Record<NonNullable<TokenState['refusal']>, string> = {
  [ApiTokenExceptionReason.TOKEN_REVOKED]: 'The API token has been revoked',
  [ApiTokenExceptionReason.TOKEN_EXPIRED]: 'The API token has expired',
  [ApiTokenExceptionReason.TOKEN_ROTATED]: 'The API token was rotated and this secret no longer works; use the new one',
  [ApiTokenExceptionReason.TOKEN_OWNER_GONE]: "The API token's owner no longer exists",
};

/**
 * API tokens (`slw_…`). The checksum is checked first, so a mistyped or truncated token is
 * refused without a database read; a well-formed one is looked up by its SHA-256 (cached per
 * process, forgotten everywhere on revocation, rotation and scope changes). The principal is the
 * token's owner as `user` and the token itself as `token`, so actors are named `token:<id>` and
 * permissions are the owner's narrowed to the token's scopes.
 */
@Injectable()
export class ApiTokenVerifier implements CredentialVerifier {
  readonly kind = 'api-token';
  /** Which secret a verified principal presented, to re-check it on a long-lived connection. */
  private readonly secretHashes = new WeakMap<ContextToken, string>();

  constructor(
    private readonly tokens: ApiTokensService,
    private readonly usage: ApiTokenUsageService,
  ) {}

  accepts(bearer: string): boolean {
    return looksLikeApiToken(bearer);
  }

  async verify(bearer: string): Promise<Principal> {
    const problem = formatProblem(bearer);
    if (problem) {
      throw new ApiTokenException(ApiTokenExceptionReason.MALFORMED_TOKEN, `The API token is malformed: ${problem}`);
    }
    const hash = hashApiToken(bearer);
    const state = usable(await this.tokens.stateOf(hash));
    const token: ContextToken = {
      id: state.id,
      scopes: state.scopes,
      ...(state.projectId ? { projectId: state.projectId } : {}),
    };
    this.secretHashes.set(token, hash);
    return {
      credential: this.kind,
      user: { id: state.owner.id, email: state.owner.email },
      token,
      expiresAt: state.validUntil,
    };
  }

  async revalidate(principal: Principal): Promise<void> {
    const token = principal.token;
    const hash = token && this.secretHashes.get(token);
    if (!token || !hash) throw invalid();
    // The cached state ends at the token's expiry or the secret's grace end, so past either the
    // lookup is made again and says which.
    const state = usable(await this.tokens.stateOf(hash));
    if (state.projectId !== token.projectId || !sameScopes(state.scopes, token.scopes)) {
      throw new ApiTokenException(
        ApiTokenExceptionReason.TOKEN_SCOPES_CHANGED,
        "The API token's scopes changed; reconnect to use them",
      );
    }
  }

  used(ctx: RequestContext): void {
    if (ctx.token) this.usage.record(ctx.token.id, ctx.ip);
  }
}

function usable(state: TokenState | null): TokenState {
  if (!state) throw invalid();
  if (state.refusal) throw new ApiTokenException(state.refusal, REFUSALS[state.refusal]);
  return state;
}

function invalid(): ApiTokenException {
  return new ApiTokenException(ApiTokenExceptionReason.INVALID_TOKEN, 'The API token is not valid');
}

function sameScopes(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((scope) => b.includes(scope)));
}
