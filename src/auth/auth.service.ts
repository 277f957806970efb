import { Injectable } from '@nestjs/common';
import { CommonException, CommonExceptionReason } from '../common/errors/app.exception';
import type { RequestContext } from '../common/context/request-context';
import { hashPassword, sha256, verifyPassword } from '../common/crypto/hashing';
import { RateLimiter } from '../common/redis/rate-limiter';
import { AppConfig } from '../config/app-config';
import { AuthException, AuthExceptionReason } from './auth.exception';
import type { LoginInput } from './dto/login.input';
import type { RegisterInput } from './dto/register.input';
import type { AuthPayload } from './models/auth-payload.model';
import { User } from './models/user.model';
import { SessionsService } from './sessions.service';
import { emailTaken, UsersService } from './users.service';

// Verifying against a fixed hash keeps "no such user" as slow as "wrong password".
const DUMMY_HASH_PROMISE = hashPassword('slipway-timing-equaliser');

/** Signing up, in and out. Sessions and token checks live in `SessionsService` and `credentials/`. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
    private readonly rateLimiter: RateLimiter,
  ) {}

  async register(ctx: RequestContext, input: RegisterInput): Promise<AuthPayload> {
    const email = normalizeEmail(input.email);
    const allowance = await this.rateLimiter.hit(
      `register:ip:${ctx.ip ?? 'unknown'}`,
      this.config.REGISTRATIONS_PER_HOUR_PER_IP,
      3600,
    );
    if (!allowance.allowed) {
      throw new AuthException(
        AuthExceptionReason.TOO_MANY_ATTEMPTS,
        'Too many sign-ups from this address; try again later',
        { retryAfterSeconds: allowance.retryAfterSeconds },
      );
    }
    if (await this.users.emailTaken(email)) throw emailTaken();
    const passwordHash = await hashPassword(input.password);
    const user = await this.users.create({ email, name: input.name.trim(), passwordHash });
    return this.sessions.start(ctx, user);
  }

  async login(ctx: RequestContext, input: LoginInput): Promise<AuthPayload> {
    const email = normalizeEmail(input.email);
    await this.allowSignInAttempt(ctx, email);
    const user = await this.users.findForSignIn(email);
    const valid = user
      ? await verifyPassword(input.password, user.passwordHash)
      : await verifyPassword(input.password, await DUMMY_HASH_PROMISE).then(() => false);
    if (!user || !valid) {
      throw new AuthException(AuthExceptionReason.INVALID_CREDENTIALS, 'Email or password is incorrect');
    }
    return this.sessions.start(ctx, user);
  }

  /**
   * Three limits, tightest first, each counted only for attempts the ones before it let through:
   * per address, per account from that address, and a looser ceiling per account from anywhere.
   * A stranger spends the account's budget at their own address only, so the owner still signs in
   * from theirs; refused attempts do not count toward the ceiling, so one address cannot exhaust it
   * by knocking on; the ceiling still ends an attack spread over many addresses.
   */
  private async allowSignInAttempt(ctx: RequestContext, email: string): Promise<void> {
    const account = sha256(email);
    const ip = ctx.ip ?? 'unknown';
    const limits: [bucket: string, limit: number][] = [
      [`login:ip:${ip}`, this.config.LOGIN_ATTEMPTS_PER_MINUTE_PER_IP],
      [`login:account-ip:${account}:${ip}`, this.config.LOGIN_ATTEMPTS_PER_MINUTE],
      [`login:account:${account}`, this.config.LOGIN_ATTEMPTS_PER_MINUTE_PER_ACCOUNT],
    ];
    for (const [bucket, limit] of limits) {
      const allowance = await this.rateLimiter.hit(bucket, limit, 60);
      if (!allowance.allowed) {
        throw new AuthException(AuthExceptionReason.TOO_MANY_ATTEMPTS, 'Too many sign-in attempts; try again later', {
          retryAfterSeconds: allowance.retryAfterSeconds,
        });
      }
    }
  }

  refresh(ctx: RequestContext, refreshToken: string): Promise<AuthPayload> {
    return this.sessions.rotate(ctx, refreshToken);
  }

  /** Revokes the caller's session: its refresh token and every access token issued for it. */
  logout(ctx: RequestContext): Promise<boolean> {
    const { sessionId } = ctx.requireUser();
    if (!sessionId) {
      throw new CommonException(CommonExceptionReason.UNAUTHENTICATED, 'Only a signed-in session can be signed out');
    }
    return this.sessions.revoke(sessionId, 'logout');
  }

  async me(ctx: RequestContext): Promise<User> {
    const user = await this.users.findById(ctx.requireUser().id);
    if (!user) throw new CommonException(CommonExceptionReason.UNAUTHENTICATED, 'The account no longer exists');
    return User.from(user);
  }
}

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
