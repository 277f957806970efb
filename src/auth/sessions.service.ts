import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { SharedCache } from '../common/cache/shared-cache';
import { SharedCacheFactory } from '../common/cache/shared-cache.factory';
import type { RequestContext } from '../common/context/request-context';
import { randomToken, sha256 } from '../common/crypto/hashing';
import { activeAt } from '../common/mongo/expiry';
import { toObjectId } from '../common/mongo/object-id';
import { AppConfig } from '../config/app-config';
import { AuthException, AuthExceptionReason } from './auth.exception';
import type { AccessTokenClaims } from './credentials/access-token-claims';
import type { AuthPayload } from './models/auth-payload.model';
import { User } from './models/user.model';
import { REMEMBERED_REFRESH_TOKENS, SessionRecord } from './session.schema';
import type { UserRecord } from './user.schema';
import { UsersService } from './users.service';

const REFRESH_TOKEN_PREFIX = 'slw_rt';

/**
 * Signed-in devices: each session has a rotating refresh token (stored as a SHA-256 hash) and
 * issues short-lived access tokens. Sessions known to be live are cached per process; a revocation
 * reaches every process before the revoking call answers.
 */
@Injectable()
export class SessionsService {
  private readonly live: SharedCache<true>;

  constructor(
    @InjectModel(SessionRecord.name) private readonly sessions: Model<SessionRecord>,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly users: UsersService,
    caches: SharedCacheFactory,
  ) {
    this.live = caches.create({ topic: 'session', maxEntries: 50_000, maxAgeMs: 30_000 });
  }

  async start(ctx: RequestContext, user: UserRecord): Promise<AuthPayload> {
    const refreshToken = randomToken(REFRESH_TOKEN_PREFIX);
    const session = await this.sessions.create({
      userId: user._id,
      refreshTokenHash: sha256(refreshToken),
      expiresAt: new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_SECONDS * 1000),
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent ?? null,
    });
    return this.issue(user, session.toObject(), refreshToken);
  }

  /**
   * Trades a refresh token for the next one. Presenting a superseded token means it leaked, so
   * the whole session is revoked.
   */
  async rotate(ctx: RequestContext, refreshToken: string): Promise<AuthPayload> {
    const hash = sha256(refreshToken);
    const next = randomToken(REFRESH_TOKEN_PREFIX);
    const now = new Date();
    // Compare-and-swap on the current hash: of two concurrent refreshes with one token, one wins.
    const session = await this.sessions
      .findOneAndUpdate(
        { refreshTokenHash: hash, revokedAt: null, ...activeAt(now) },
        {
          $set: { refreshTokenHash: sha256(next), ip: ctx.ip ?? null, userAgent: ctx.userAgent ?? null },
          $push: { previousTokenHashes: { $each: [hash], $slice: -REMEMBERED_REFRESH_TOKENS } },
        },
        { returnDocument: 'after' },
      )
      .lean<SessionRecord>()
      .exec();
    if (!session) return this.rejectRefresh(hash, now);
    const user = await this.users.findById(session.userId.toHexString());
    if (!user) throw new AuthException(AuthExceptionReason.INVALID_TOKEN, 'The refresh token is not valid');
    return this.issue(user, session, next);
  }

  /** Ends a session: its refresh token and every access token issued for it, in every process. */
  async revoke(sessionId: string, reason: string): Promise<boolean> {
    const result = await this.sessions
      .updateOne(
        { _id: toObjectId(sessionId), revokedAt: null },
        { $set: { revokedAt: new Date(), revokedReason: reason } },
      )
      .exec();
    await this.live.forget(`${sessionId}:`);
    return result.modifiedCount === 1;
  }

  /** Throws unless the session exists for this user, has not ended and was not revoked. */
  async assertLive(sessionId: string, userId: string): Promise<void> {
    const live = await this.live.getOrLoad(`${sessionId}:${userId}`, async () => {
      const record = await this.sessions
        .findOne({
          _id: toObjectId(sessionId),
          userId: toObjectId(userId),
          revokedAt: null,
          ...activeAt(new Date()),
        })
        .select({ expiresAt: 1 })
        .lean<Pick<SessionRecord, '_id' | 'expiresAt'>>()
        .exec();
      return record ? { value: true as const, validUntil: record.expiresAt.getTime() } : null;
    });
    if (!live) throw new AuthException(AuthExceptionReason.SESSION_REVOKED, 'The session has ended; sign in again');
  }

  private async rejectRefresh(hash: string, now: Date): Promise<never> {
    const replayed = await this.sessions
      .findOneAndUpdate(
        { previousTokenHashes: hash, revokedAt: null },
        { $set: { revokedAt: now, revokedReason: 'refresh token reused' } },
      )
      .lean<SessionRecord>()
      .exec();
    if (replayed) {
      await this.live.forget(`${replayed._id.toHexString()}:`);
      throw new AuthException(
        AuthExceptionReason.REFRESH_TOKEN_REUSED,
        'This refresh token was already used; the session has been revoked',
      );
    }
    throw new AuthException(AuthExceptionReason.INVALID_TOKEN, 'The refresh token is not valid or has expired');
  }

  private async issue(user: UserRecord, session: SessionRecord, refreshToken: string): Promise<AuthPayload> {
    const claims: AccessTokenClaims = {
      sub: user._id.toHexString(),
      sid: session._id.toHexString(),
      email: user.email,
      typ: 'access',
    };
    const accessToken = await this.jwt.signAsync(claims, {
      expiresIn: this.config.JWT_ACCESS_TTL_SECONDS,
      algorithm: 'HS256',
      // A token id of its own, so two tokens minted in the same second still differ.
      jwtid: randomUUID(),
    });
    return { accessToken, expiresIn: this.config.JWT_ACCESS_TTL_SECONDS, refreshToken, user: User.from(user) };
  }
}
