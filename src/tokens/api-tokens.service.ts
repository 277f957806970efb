import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, QueryFilter } from 'mongoose';
import { AccessException, AccessExceptionReason } from '../access/access.exception';
import { AccessService } from '../access/access.service';
import type { Permission } from '../access/permissions';
import { UsersService } from '../auth/users.service';
import type { SharedCache } from '../common/cache/shared-cache';
import { SharedCacheFactory } from '../common/cache/shared-cache.factory';
import type { ContextUser, RequestContext } from '../common/context/request-context';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { EventBus } from '../common/events/event-bus';
import { activeAt } from '../common/mongo/expiry';
import { toObjectId } from '../common/mongo/object-id';
import type { Connection } from '../common/pagination/connection';
import { paginate } from '../common/pagination/paginate';
import { displayPrefixOf, generateApiToken, hashApiToken } from './api-token-format';
import { ApiTokenException, ApiTokenExceptionReason } from './api-token.exception';
import { ApiTokenRecord, REMEMBERED_SECRETS, type RetiredSecret } from './api-token.schema';
import type { ApiTokenUsageArgs } from './dto/api-token-usage.args';
import type { ApiTokensArgs } from './dto/api-tokens.args';
import type { CreateApiTokenInput } from './dto/create-api-token.input';
import type { RotateApiTokenInput } from './dto/rotate-api-token.input';
import type { UpdateApiTokenScopesInput } from './dto/update-api-token-scopes.input';
import {
  ApiTokenCreatedEvent,
  ApiTokenRevokedEvent,
  ApiTokenRotatedEvent,
  type ApiTokenLifecycleEvent,
} from './events/api-token-lifecycle.event';
import { ApiTokenUsageService } from './api-token-usage.service';
import { ApiToken } from './models/api-token.model';
import { ApiTokenSecret } from './models/api-token-secret.model';
import type { ApiTokenUsage } from './models/api-token-usage.model';
import { checkScopes, expandScopes } from './token-scopes';

/** Most tokens one user may have active at once. */
export const MAX_ACTIVE_TOKENS_PER_USER = 100;

/** Why a presented secret does not authenticate, when it is a token's. */
export type TokenRefusal =
  | ApiTokenExceptionReason.TOKEN_REVOKED
  | ApiTokenExceptionReason.TOKEN_EXPIRED
  | ApiTokenExceptionReason.TOKEN_ROTATED
  | ApiTokenExceptionReason.TOKEN_OWNER_GONE;

/** What a presented secret stands for, as the verifier caches it. */
export interface TokenState {
  id: string;
  owner: ContextUser;
  projectId?: string;
  /** Expanded permissions, frozen: shared by every request the token makes. */
  scopes: readonly string[];
  /** When this secret stops working (the token's expiry, or a replaced secret's grace end). */
  validUntil?: number;
  refusal?: TokenRefusal;
}

/**
 * API tokens: made, listed, revoked, rotated and rescoped here, and looked up by the verifier.
 * Looked-up secrets are cached per process; every change forgets them in every process before
 * it answers, so a revocation, a rotation's end or a scope change holds at once everywhere.
 */
@Injectable()
export class ApiTokensService {
  private readonly states: SharedCache<TokenState>;

  constructor(
    @InjectModel(ApiTokenRecord.name) private readonly tokens: Model<ApiTokenRecord>,
    private readonly access: AccessService,
    private readonly users: UsersService,
    private readonly usage: ApiTokenUsageService,
    private readonly events: EventBus,
    caches: SharedCacheFactory,
  ) {
    this.states = caches.create({ topic: 'api-token', maxEntries: 20_000, maxAgeMs: 60_000 });
  }

  /** The token a secret's hash belongs to, and whether that secret works now; null when none. */
  stateOf(hash: string): TokenState | Promise<TokenState | null> {
    return this.states.getOrLoad(hash, async () => {
      const record = await this.tokens
        .findOne({ $or: [{ secretHash: hash }, { 'previousSecrets.hash': hash }] })
        .lean<ApiTokenRecord>()
        .exec();
      if (!record) return null;
      return this.judge(record, hash, new Date());
    });
  }

  async create(ctx: RequestContext, input: CreateApiTokenInput): Promise<ApiTokenSecret> {
    const user = signedInUser(ctx);
    const scopes = checkScopes(input.scopes);
    const now = new Date();
    if (input.expiresAt && input.expiresAt <= now) {
      throw new ApiTokenException(ApiTokenExceptionReason.EXPIRY_IN_PAST, 'expiresAt must be in the future');
    }
    if (input.projectId) {
      await this.access.requireAccess(ctx, 'token:create', input.projectId);
      await this.access.assertHoldsAll(ctx, input.projectId, expandScopes(scopes), 'give an API token these scopes');
    }
    const active = await this.tokens
      .countDocuments({ ownerId: toObjectId(user.id), revokedAt: null, ...activeAt(now) })
      .exec();
    if (active >= MAX_ACTIVE_TOKENS_PER_USER) {
      throw new ApiTokenException(
        ApiTokenExceptionReason.TOKEN_LIMIT_REACHED,
        `You have ${MAX_ACTIVE_TOKENS_PER_USER} active API tokens; revoke one first`,
      );
    }
    const secret = generateApiToken();
    const record = (
      await this.tokens.create({
        ownerId: toObjectId(user.id),
        projectId: input.projectId ? toObjectId(input.projectId) : null,
        name: input.name.trim(),
        scopes,
        displayPrefix: displayPrefixOf(secret),
        secretHash: hashApiToken(secret),
        expiresAt: input.expiresAt ?? null,
      })
    ).toObject();
    await this.announce(record, (projectId) => new ApiTokenCreatedEvent(projectId, ctx.actorId, ...about(record)));
    return ApiTokenSecret.of(secret, ApiToken.from(record));
  }

  async list(ctx: RequestContext, args: ApiTokensArgs): Promise<Connection<ApiToken>> {
    let filter: QueryFilter<ApiTokenRecord>;
    if (args.projectId) {
      await this.access.requireAccess(ctx, 'token:read', args.projectId);
      filter = { projectId: toObjectId(args.projectId) };
    } else {
      const token = ctx.token;
      if (token && (token.projectId !== undefined || !token.scopes.includes('token:read'))) {
        throw new AccessException(
          AccessExceptionReason.TOKEN_SCOPE_MISSING,
          "Listing an account's tokens takes an account-wide API token with token:read",
        );
      }
      filter = { ownerId: toObjectId(ctx.requireUser().id) };
    }
    await this.usage.flushBeforeRead();
    const now = new Date();
    return paginate(this.tokens, filter, args, (record) => ApiToken.from(record, now));
  }

  /** Its owner, or anyone who may delete tokens in its project, revokes a token; it stops at once. */
  async revoke(ctx: RequestContext, id: string): Promise<ApiToken> {
    const user = signedInUser(ctx);
    const record = await this.revocable(ctx, user, id);
    if (record.revokedAt) return ApiToken.from(record);
    const revoked = await this.tokens
      .findOneAndUpdate(
        { _id: record._id, revokedAt: null },
        { $set: { revokedAt: new Date(), revokedBy: user.id } },
        { returnDocument: 'after' },
      )
      .lean<ApiTokenRecord>()
      .exec();
    const current = revoked ?? (await this.tokens.findById(record._id).lean<ApiTokenRecord>().exec()) ?? record;
    await this.forget(current);
    if (revoked) {
      await this.announce(revoked, (projectId) => new ApiTokenRevokedEvent(projectId, ctx.actorId, ...about(revoked)));
    }
    return ApiToken.from(current);
  }

  /**
   * A new secret for a token, shown once. The current one keeps working for the grace period,
   * and older replaced ones no longer than that: a rotation with no grace leaves only the new
   * secret working.
   */
  async rotate(ctx: RequestContext, input: RotateApiTokenInput): Promise<ApiTokenSecret> {
    const record = await this.ownedActive(ctx, input.id, 'token:rotate', 'rotate');
    const secret = generateApiToken();
    const now = new Date();
    const until = new Date(now.getTime() + input.gracePeriodSeconds * 1000);
    // Replaced secrets whose grace has ended stay too (the last few), so they answer TOKEN_ROTATED.
    const previousSecrets: RetiredSecret[] = [
      ...record.previousSecrets.map((s) => ({ hash: s.hash, until: s.until < until ? s.until : until })),
      { hash: record.secretHash, until },
    ].slice(-REMEMBERED_SECRETS);
    const rotated = await this.tokens
      .findOneAndUpdate(
        // Of two rotations at once, one wins; the other would otherwise drop the winner's secret.
        { _id: record._id, secretHash: record.secretHash, revokedAt: null },
        {
          $set: {
            secretHash: hashApiToken(secret),
            displayPrefix: displayPrefixOf(secret),
            previousSecrets,
            rotatedAt: now,
          },
        },
        { returnDocument: 'after' },
      )
      .lean<ApiTokenRecord>()
      .exec();
    await this.forget(record);
    if (!rotated) {
      throw new ApiTokenException(
        ApiTokenExceptionReason.TOKEN_INACTIVE,
        'The token was rotated or revoked meanwhile; read it again',
      );
    }
    await this.announce(
      rotated,
      (projectId) => new ApiTokenRotatedEvent(projectId, ctx.actorId, ...about(rotated), until.toISOString()),
    );
    return ApiTokenSecret.of(secret, ApiToken.from(rotated));
  }

  async updateScopes(ctx: RequestContext, input: UpdateApiTokenScopesInput): Promise<ApiToken> {
    const record = await this.ownedActive(ctx, input.id, 'token:update', 'change the scopes of');
    const scopes = checkScopes(input.scopes);
    if (record.projectId) {
      await this.access.assertHoldsAll(
        ctx,
        record.projectId.toHexString(),
        expandScopes(scopes),
        'give an API token these scopes',
      );
    }
    const updated = await this.tokens
      .findOneAndUpdate({ _id: record._id }, { $set: { scopes } }, { returnDocument: 'after' })
      .lean<ApiTokenRecord>()
      .exec();
    await this.forget(updated ?? record);
    if (!updated) throw notFound();
    return ApiToken.from(updated);
  }

  async usageOf(ctx: RequestContext, args: ApiTokenUsageArgs): Promise<ApiTokenUsage> {
    await this.visible(ctx, args.id);
    await this.usage.flushBeforeRead();
    // Read again after the flush: the last use may be this process's own.
    const record = await this.tokens.findById(toObjectId(args.id)).lean<ApiTokenRecord>().exec();
    if (!record) throw notFound();
    return this.usage.report(record, args.days);
  }

  /** A deleted project's tokens stop at once. */
  async revokeProjectTokens(projectId: string): Promise<void> {
    const filter = { projectId: toObjectId(projectId), revokedAt: null };
    const affected = await this.tokens
      .find(filter)
      .select({ secretHash: 1, previousSecrets: 1 })
      .lean<Pick<ApiTokenRecord, 'secretHash' | 'previousSecrets'>[]>()
      .exec();
    await this.tokens.updateMany(filter, { $set: { revokedAt: new Date(), revokedBy: null } }).exec();
    for (const record of affected) await this.forget(record);
  }

  private async judge(
    record: ApiTokenRecord,
    hash: string,
    now: Date,
  ): Promise<{ value: TokenState; validUntil?: number }> {
    const base = {
      id: record._id.toHexString(),
      projectId: record.projectId?.toHexString(),
      scopes: Object.freeze(expandScopes(record.scopes)),
    };
    const refused = (refusal: TokenRefusal) => ({
      value: { ...base, owner: { id: record.ownerId.toHexString(), email: '' }, refusal },
    });
    if (record.revokedAt) return refused(ApiTokenExceptionReason.TOKEN_REVOKED);
    if (record.expiresAt && record.expiresAt <= now) return refused(ApiTokenExceptionReason.TOKEN_EXPIRED);
    let validUntil = record.expiresAt?.getTime() ?? Infinity;
    if (record.secretHash !== hash) {
      const retired = record.previousSecrets.find((s) => s.hash === hash);
      if (!retired || retired.until <= now) return refused(ApiTokenExceptionReason.TOKEN_ROTATED);
      validUntil = Math.min(validUntil, retired.until.getTime());
    }
    return this.withOwner(record, base, validUntil, refused);
  }

  private async withOwner(
    record: ApiTokenRecord,
    base: Omit<TokenState, 'owner'>,
    validUntil: number,
    refused: (refusal: TokenRefusal) => { value: TokenState },
  ): Promise<{ value: TokenState; validUntil?: number }> {
    const owner = await this.users.findById(record.ownerId.toHexString());
    if (!owner) return refused(ApiTokenExceptionReason.TOKEN_OWNER_GONE);
    const value: TokenState = {
      ...base,
      owner: { id: owner._id.toHexString(), email: owner.email },
      validUntil: Number.isFinite(validUntil) ? validUntil : undefined,
    };
    return { value, validUntil };
  }

  /**
   * The token, when the caller may see it: its owner, or anyone holding token:read in its
   * project. Others are told it does not exist.
   */
  private async visible(ctx: RequestContext, id: string): Promise<ApiTokenRecord> {
    const record = await this.tokens.findById(toObjectId(id)).lean<ApiTokenRecord>().exec();
    if (!record) throw notFound();
    const user = ctx.requireUser();
    // A token sees only what its scopes allow, even among its owner's tokens.
    const ownerMaySee =
      isOwner(record, user) &&
      (!ctx.token ||
        (ctx.token.scopes.includes('token:read') &&
          (ctx.token.projectId === undefined || ctx.token.projectId === record.projectId?.toHexString())));
    if (ownerMaySee) return record;
    if (record.projectId && (await this.permits(ctx, 'token:read', record.projectId.toHexString()))) return record;
    throw notFound();
  }

  /**
   * The token, when the caller may revoke it: its owner, or anyone holding token:delete in its
   * project (token:read is not needed). Those who may see it but not revoke it are told why;
   * others are told it does not exist.
   */
  private async revocable(ctx: RequestContext, user: ContextUser, id: string): Promise<ApiTokenRecord> {
    const record = await this.tokens.findById(toObjectId(id)).lean<ApiTokenRecord>().exec();
    if (!record) throw notFound();
    if (isOwner(record, user)) return record;
    if (!record.projectId) throw notFound();
    const projectId = record.projectId.toHexString();
    try {
      await this.access.requireAccess(ctx, 'token:delete', projectId);
      return record;
    } catch (error) {
      if (!(error instanceof AppException && error.code === ErrorCode.FORBIDDEN)) throw error;
      if (await this.permits(ctx, 'token:read', projectId)) throw error;
      throw notFound();
    }
  }

  /** For rotation and rescoping: only the owner, still holding `permission` in a project token's project. */
  private async ownedActive(
    ctx: RequestContext,
    id: string,
    permission: Permission,
    action: string,
  ): Promise<ApiTokenRecord> {
    const user = signedInUser(ctx);
    const record = await this.visible(ctx, id);
    if (!isOwner(record, user)) {
      throw new ApiTokenException(
        ApiTokenExceptionReason.NOT_TOKEN_OWNER,
        `Only the token's owner may ${action} it; revoke it instead`,
      );
    }
    if (record.projectId) await this.access.requireAccess(ctx, permission, record.projectId.toHexString());
    if (record.revokedAt || (record.expiresAt && record.expiresAt <= new Date())) {
      throw new ApiTokenException(
        ApiTokenExceptionReason.TOKEN_INACTIVE,
        `A ${record.revokedAt ? 'revoked' : 'expired'} token cannot be changed; create a new one`,
      );
    }
    return record;
  }

  private async permits(ctx: RequestContext, permission: Permission, projectId: string): Promise<boolean> {
    try {
      await this.access.requireAccess(ctx, permission, projectId);
      return true;
    } catch (error) {
      if (error instanceof AppException && error.code === ErrorCode.FORBIDDEN) return false;
      throw error;
    }
  }

  /** Every secret of the token is looked up afresh, in every process. */
  private async forget(record: Pick<ApiTokenRecord, 'secretHash' | 'previousSecrets'>): Promise<void> {
    await Promise.all(
      [record.secretHash, ...record.previousSecrets.map((s) => s.hash)].map((h) => this.states.forget(h)),
    );
  }

  /** Project tokens' events go to the project's stream; account-wide tokens have no audience. */
  private async announce(record: ApiTokenRecord, event: (projectId: string) => ApiTokenLifecycleEvent): Promise<void> {
    if (record.projectId) await this.events.publish(event(record.projectId.toHexString()));
  }
}

/** What a token event says of the token: its id, name and owner. */
function about(record: ApiTokenRecord): [string, string, string] {
  return [record._id.toHexString(), record.name, record.ownerId.toHexString()];
}

function isOwner(record: Pick<ApiTokenRecord, 'ownerId'>, user: ContextUser): boolean {
  return record.ownerId.toHexString() === user.id;
}

/** The signed-in user: managing tokens is not for tokens (the guard refuses them first). */
function signedInUser(ctx: RequestContext): ContextUser {
  if (ctx.token) {
    throw new ApiTokenException(
      ApiTokenExceptionReason.USER_SIGN_IN_REQUIRED,
      'API tokens cannot manage API tokens; sign in as a user to do this',
    );
  }
  return ctx.requireUser();
}

function notFound(): ApiTokenException {
  return new ApiTokenException(ApiTokenExceptionReason.TOKEN_NOT_FOUND, 'No API token has this id');
}
