import { Injectable, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { InjectModel } from '@nestjs/mongoose';
import { isValidObjectId, Types, type Model } from 'mongoose';
import { CommonException, CommonExceptionReason } from '../common/errors/app.exception';
import type { ContextUser, RequestContext } from '../common/context/request-context';
import { hashPassword, randomToken, sha256, verifyPassword } from '../common/crypto/hashing';
import { ExpiringCache } from '../common/cache/expiring-cache';
import { InvalidationBus } from '../common/cache/invalidation-bus';
import { isDuplicateKeyError } from '../common/mongo/mongo-errors';
import { RateLimiter } from '../common/redis/rate-limiter';
import { AppConfig } from '../config/app-config';
import { AuthException, AuthExceptionReason } from './auth.exception';
import type { AuthPayload } from './dto/auth-payload';
import type { LoginInput } from './dto/login.input';
import type { RegisterInput } from './dto/register.input';
import { REMEMBERED_REFRESH_TOKENS, SessionRecord } from './session.schema';
import { User, UserRecord } from './user.schema';

/** Claims of a Slipway access token. */
export interface AccessTokenClaims {
  sub: string;
  sid: string;
  email: string;
  typ: 'access';
}

const REFRESH_TOKEN_PREFIX = 'slw_rt';
const SESSION_TOPIC = 'session';
const SESSION_CACHE_ENTRIES = 50_000;
const SESSION_CACHE_MAX_AGE_MS = 30_000;
// Verifying against a fixed hash keeps "no such user" as slow as "wrong password".
const DUMMY_HASH_PROMISE = hashPassword('slipway-timing-equaliser');

@Injectable()
export class AuthService implements OnModuleInit {
  /** Sessions known to be live, per process; revocations reach every process through the bus. */
  private readonly liveSessions = new ExpiringCache<true>(SESSION_CACHE_ENTRIES, SESSION_CACHE_MAX_AGE_MS);

  constructor(
    @InjectModel(UserRecord.name) private readonly users: Model<UserRecord>,
    @InjectModel(SessionRecord.name) private readonly sessions: Model<SessionRecord>,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly rateLimiter: RateLimiter,
    private readonly bus: InvalidationBus,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(SESSION_TOPIC, (sessionId) => this.liveSessions.invalidate(`${sessionId}:`));
  }

  async register(ctx: RequestContext, input: RegisterInput): Promise<AuthPayload> {
    const email = input.email.trim().toLowerCase();
    const allowance = await this.rateLimiter.hit(
      `register:ip:${ctx.ip ?? 'unknown'}`,
      this.config.REGISTRATIONS_PER_HOUR_PER_IP,
      3600,
    );
    if (!allowance.allowed) {
      throw new AuthException(
        AuthExceptionReason.TOO_MANY_ATTEMPTS,
        'Too many sign-ups from this address; try again later',
        {
          retryAfterSeconds: allowance.retryAfterSeconds,
        },
      );
    }
    if (await this.users.exists({ email })) {
      throw new AuthException(AuthExceptionReason.EMAIL_TAKEN, 'An account with this email already exists');
    }
    const passwordHash = await hashPassword(input.password);
    let user: UserRecord;
    try {
      user = (await this.users.create({ email, name: input.name.trim(), passwordHash })).toObject();
    } catch (error) {
      if (isDuplicateKeyError(error)) {
        throw new AuthException(AuthExceptionReason.EMAIL_TAKEN, 'An account with this email already exists');
      }
      throw error;
    }
    return this.startSession(ctx, user);
  }

  async login(ctx: RequestContext, input: LoginInput): Promise<AuthPayload> {
    const email = input.email.trim().toLowerCase();
    const limit = this.config.LOGIN_ATTEMPTS_PER_MINUTE;
    const [byAccount, byIp] = await Promise.all([
      this.rateLimiter.hit(`login:account:${sha256(email)}`, limit, 60),
      this.rateLimiter.hit(`login:ip:${ctx.ip ?? 'unknown'}`, limit * 5, 60),
    ]);
    if (!byAccount.allowed || !byIp.allowed) {
      throw new AuthException(AuthExceptionReason.TOO_MANY_ATTEMPTS, 'Too many sign-in attempts; try again later', {
        retryAfterSeconds: Math.max(byAccount.retryAfterSeconds, byIp.retryAfterSeconds),
      });
    }
    const user = await this.users.findOne({ email }).select('+passwordHash').lean<UserRecord>().exec();
    const valid = user
      ? await verifyPassword(input.password, user.passwordHash)
      : await verifyPassword(input.password, await DUMMY_HASH_PROMISE).then(() => false);
    if (!user || !valid) {
      throw new AuthException(AuthExceptionReason.INVALID_CREDENTIALS, 'Email or password is incorrect');
    }
    return this.startSession(ctx, user);
  }

  async refresh(ctx: RequestContext, refreshToken: string): Promise<AuthPayload> {
    const hash = sha256(refreshToken);
    const next = randomToken(REFRESH_TOKEN_PREFIX);
    const now = new Date();
    // Compare-and-swap on the current hash: of two concurrent refreshes with one token, one wins.
    const session = await this.sessions
      .findOneAndUpdate(
        { refreshTokenHash: hash, revokedAt: null, expiresAt: { $gt: now } },
        {
          $set: { refreshTokenHash: sha256(next), ip: ctx.ip ?? null, userAgent: ctx.userAgent ?? null },
          $push: { previousTokenHashes: { $each: [hash], $slice: -REMEMBERED_REFRESH_TOKENS } },
        },
        { returnDocument: 'after' },
      )
      .lean<SessionRecord>()
      .exec();
    if (!session) {
      await this.rejectRefresh(hash, now);
    }
    const user = await this.users.findById(session!.userId).lean<UserRecord>().exec();
    if (!user) throw new AuthException(AuthExceptionReason.INVALID_TOKEN, 'The refresh token is not valid');
    return this.issue(user, session!, next);
  }

  /** Revokes the caller's session: its refresh token and every access token issued for it. */
  async logout(ctx: RequestContext): Promise<boolean> {
    const user = ctx.requireUser();
    const result = await this.sessions
      .updateOne(
        { _id: new Types.ObjectId(user.sessionId), revokedAt: null },
        { $set: { revokedAt: new Date(), revokedReason: 'logout' } },
      )
      .exec();
    await this.forgetSession(user.sessionId);
    return result.modifiedCount === 1;
  }

  async me(ctx: RequestContext): Promise<User> {
    const user = await this.users.findById(ctx.requireUser().id).lean<UserRecord>().exec();
    if (!user) throw new CommonException(CommonExceptionReason.UNAUTHENTICATED, 'The account no longer exists');
    return User.from(user);
  }

  /**
   * Resolves an access token (from an HTTP header or WebSocket connection params) to the user it
   * stands for, checking the signature, expiry and that its session was not revoked.
   */
  async authenticateAccessToken(token: string): Promise<ContextUser> {
    let claims: AccessTokenClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessTokenClaims>(token, { algorithms: ['HS256'] });
    } catch (error) {
      const expired = (error as Error).name === 'TokenExpiredError';
      throw new AuthException(
        expired ? AuthExceptionReason.TOKEN_EXPIRED : AuthExceptionReason.INVALID_TOKEN,
        expired ? 'The access token has expired' : 'The access token is not valid',
      );
    }
    const user = await this.validateClaims(claims);
    const exp = (claims as AccessTokenClaims & { exp?: number }).exp;
    return exp ? { ...user, tokenExpiresAt: exp * 1000 } : user;
  }

  /**
   * Re-checks a user authenticated earlier on a long-lived connection: the token must not have
   * expired since, and its session must still be live (revocation reaches every process).
   */
  async revalidate(user: ContextUser): Promise<void> {
    if (user.tokenExpiresAt !== undefined && user.tokenExpiresAt <= Date.now()) {
      throw new AuthException(
        AuthExceptionReason.TOKEN_EXPIRED,
        'The access token has expired; reconnect with a new one',
      );
    }
    await this.validateClaims({ sub: user.id, sid: user.sessionId, email: user.email, typ: 'access' });
  }

  async validateClaims(claims: AccessTokenClaims): Promise<ContextUser> {
    if (claims.typ !== 'access' || !isValidObjectId(claims.sid) || !isValidObjectId(claims.sub)) {
      throw new AuthException(AuthExceptionReason.INVALID_TOKEN, 'The access token is not valid');
    }
    const key = `${claims.sid}:${claims.sub}`;
    if (!this.liveSessions.get(key)) {
      const generation = this.liveSessions.generation();
      const live = await this.sessions
        .findOne({
          _id: new Types.ObjectId(claims.sid),
          userId: new Types.ObjectId(claims.sub),
          revokedAt: null,
          expiresAt: { $gt: new Date() },
        })
        .select({ expiresAt: 1 })
        .lean<Pick<SessionRecord, '_id' | 'expiresAt'>>()
        .exec();
      if (!live) throw new AuthException(AuthExceptionReason.SESSION_REVOKED, 'The session has ended; sign in again');
      this.liveSessions.set(key, true, generation, live.expiresAt.getTime());
    }
    return { id: claims.sub, email: claims.email, sessionId: claims.sid };
  }

  /** Ends a session's access tokens in every process, before the revoking call answers. */
  private async forgetSession(sessionId: string): Promise<void> {
    this.liveSessions.invalidate(`${sessionId}:`);
    await this.bus.publish(SESSION_TOPIC, sessionId);
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
      await this.forgetSession(replayed._id.toHexString());
      throw new AuthException(
        AuthExceptionReason.REFRESH_TOKEN_REUSED,
        'This refresh token was already used; the session has been revoked',
      );
    }
    throw new AuthException(AuthExceptionReason.INVALID_TOKEN, 'The refresh token is not valid or has expired');
  }

  private async startSession(ctx: RequestContext, user: Pick<UserRecord, '_id'> & UserRecord): Promise<AuthPayload> {
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
