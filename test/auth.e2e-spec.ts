import { createHash, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import mongoose, { Types, type Connection } from 'mongoose';
import { codeOf, gql, ok, reasonOf, waitFor, type GraphQLResponse } from './support/graphql-client';
import { registerUser, type TestUser } from './support/factories';
import {
  operations,
  unchecked,
  type LoginInput,
  type Operations,
  type RefreshTokenInput,
  type RegisterInput,
} from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Sign-up, sign-in, token rotation and sign-out over real HTTP, against the real database: what a
 * client is told, what it must never be told, and what ends up stored.
 */

interface AccessClaims {
  sub: string;
  sid: string;
  email: string;
  typ: string;
  iat: number;
  exp: number;
}

/** Anything that would mean a stored secret reached a client. */
const LEAK = /scrypt\$|passwordHash|refreshTokenHash|previousTokenHashes/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

const uniqueEmail = (tag: string): string => `${tag}-${randomUUID().slice(0, 8)}@example.test`;
const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe('authentication', () => {
  let api: TestApp;
  let ops: Operations;
  let db: Connection;

  /** Every response goes through here, so every one of them is checked for leaked hashes. */
  async function checked<T>(pending: Promise<GraphQLResponse<T>>): Promise<GraphQLResponse<T>> {
    const response = await pending;
    expect(JSON.stringify(response)).not.toMatch(LEAK);
    return response;
  }
  // For documents no shared operation sends: introspection and malformed ones.
  const call = <T = Record<string, unknown>>(query: string) => checked(gql<T>(api.url, query));

  // Input is unchecked because the validation cases send what the schema forbids.
  const register = (input: Record<string, unknown>) => checked(ops.auth.register(unchecked<RegisterInput>(input)));
  const login = (email: string, password: string, headers: Record<string, string> = {}, token?: string) =>
    checked(ops.withHeaders(headers).auth.login({ email, password }, token));
  const refresh = (refreshToken: string) => checked(ops.auth.refreshToken({ refreshToken }));
  const me = (token?: string, headers: Record<string, string> = {}) => checked(ops.withHeaders(headers).auth.me(token));
  const logout = (token?: string) => checked(ops.auth.logout(token));

  const userDocs = (email: string) => db.collection('users').find({ email: email.toLowerCase() }).toArray();
  const sessionsOf = (userId: string) =>
    db
      .collection('sessions')
      .find({ userId: new Types.ObjectId(userId) })
      .toArray();

  /** Asserts `response` failed as UNAUTHENTICATED with `reason` and returned no data. */
  function expectUnauthenticated(response: GraphQLResponse<unknown>, reason: string): void {
    expect({ code: codeOf(response), reason: reasonOf(response) }).toEqual({ code: 'UNAUTHENTICATED', reason });
    expect(response.data ?? null).toBeNull();
  }

  beforeAll(async () => {
    api = await startTestApp();
    ops = operations(api.url);
    db = await mongoose.createConnection(api.config.MONGODB_URI).asPromise();
  });

  afterAll(async () => {
    await db?.close();
    await api?.close();
  });

  describe('register and me', () => {
    it('creates an account, signs it in, and `me` returns it', async () => {
      const response = await register({
        email: 'Ada.Lovelace@Example.TEST',
        name: '  Ada Lovelace  ',
        password: 'analytical engine',
      });
      const payload = ok(response).register;

      expect(payload.user).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        email: 'ada.lovelace@example.test',
        name: 'Ada Lovelace',
        createdAt: expect.any(String),
      });
      expect(Math.abs(Date.parse(payload.user.createdAt) - Date.now())).toBeLessThan(60_000);
      expect(payload.expiresIn).toBe(api.config.JWT_ACCESS_TTL_SECONDS);
      expect(payload.refreshToken).toMatch(/^slw_rt_[A-Za-z0-9_-]{40,}$/);

      const claims = jwt.decode(payload.accessToken) as AccessClaims;
      expect(claims).toMatchObject({ sub: payload.user.id, email: 'ada.lovelace@example.test', typ: 'access' });
      expect(claims.exp - claims.iat).toBe(api.config.JWT_ACCESS_TTL_SECONDS);

      const who = ok(await me(payload.accessToken)).me;
      expect(who).toEqual(payload.user);
    });

    it('refuses `me` without a token', async () => {
      const response = await me();

      expect(codeOf(response)).toBe('UNAUTHENTICATED');
      expect(response.data ?? null).toBeNull();
    });

    it('refuses an email that is taken, also when it differs only in case, and keeps the first account', async () => {
      const email = uniqueEmail('taken');
      const first = await registerUser(api.url, { email, password: 'first password 1' });

      for (const variant of [email, email.toUpperCase(), `${email[0]!.toUpperCase()}${email.slice(1)}`]) {
        const again = await register({ email: variant, name: 'Imposter', password: 'second password 2' });
        expect(codeOf(again)).toBe('CONFLICT');
        expect(reasonOf(again)).toBe('EMAIL_TAKEN');
        expect(again.data ?? null).toBeNull();
      }

      expect(await userDocs(email)).toHaveLength(1);
      expect(await sessionsOf(first.id)).toHaveLength(1);
      expect(ok(await login(email, 'first password 1')).login.user.id).toBe(first.id);
      expectUnauthenticated(await login(email, 'second password 2'), 'INVALID_CREDENTIALS');
    });

    it('exposes no password or token hash fields in the schema', async () => {
      const user = await registerUser(api.url);
      for (const field of ['passwordHash', 'refreshTokenHash']) {
        const response = await gql(api.url, `{ me { id ${field} } }`, {}, user.accessToken);
        expect(codeOf(response)).toBe('BAD_USER_INPUT');
        expect(response.data ?? null).toBeNull();
      }

      const type = ok(
        await call<{ __type: { fields: { name: string }[] } }>('{ __type(name: "User") { fields { name } } }'),
      ).__type;
      const names = type.fields.map((f) => f.name);
      expect(names).toEqual(expect.arrayContaining(['id', 'email', 'name']));
      expect(names.filter((n) => /hash|password|secret|token/i.test(n))).toEqual([]);
    });
  });

  describe('login', () => {
    let user: TestUser;

    beforeAll(async () => {
      user = await registerUser(api.url, { email: uniqueEmail('login'), password: 'login password 1' });
    });

    it('opens a second, independent session; the email is case-insensitive', async () => {
      const payload = ok(await login(user.email.toUpperCase(), user.password)).login;

      expect(payload.user.id).toBe(user.id);
      expect(payload.user.email).toBe(user.email);
      expect(payload.refreshToken).not.toBe(user.refreshToken);
      expect((jwt.decode(payload.accessToken) as AccessClaims).sid).not.toBe(
        (jwt.decode(user.accessToken) as AccessClaims).sid,
      );
      expect(ok(await me(payload.accessToken)).me.id).toBe(user.id);
      expect(ok(await me(user.accessToken)).me.id).toBe(user.id);
      expect(await sessionsOf(user.id)).toHaveLength(2);
    });

    it('answers a wrong password and an unknown email identically', async () => {
      const sessionsBefore = (await sessionsOf(user.id)).length;

      const wrongPassword = await login(user.email, 'not the password');
      const unknownEmail = await login(uniqueEmail('nobody'), 'not the password');

      expectUnauthenticated(wrongPassword, 'INVALID_CREDENTIALS');
      expectUnauthenticated(unknownEmail, 'INVALID_CREDENTIALS');
      expect(unknownEmail.errors![0]!.message).toBe(wrongPassword.errors![0]!.message);
      expect(unknownEmail.errors![0]!.extensions).toEqual(wrongPassword.errors![0]!.extensions);
      expect(unknownEmail.status).toBe(wrongPassword.status);
      expect(wrongPassword.errors![0]!.message).not.toContain(user.email);
      expect(await sessionsOf(user.id)).toHaveLength(sessionsBefore);
    });

    it('is not blocked by a stale or broken Authorization header', async () => {
      const stale = ok(await login(user.email, user.password)).login;
      ok(await logout(stale.accessToken));

      const response = await login(user.email, user.password, {}, stale.accessToken);
      const garbage = await login(user.email, user.password, { authorization: 'Bearer garbage' });

      expect(ok(response).login.user.id).toBe(user.id);
      expect(ok(garbage).login.user.id).toBe(user.id);
    });
  });

  describe('refresh tokens', () => {
    it('rotate on every use; replaying a superseded one revokes the whole session', async () => {
      const user = await registerUser(api.url);
      const other = ok(await login(user.email, user.password)).login;

      const first = ok(await refresh(user.refreshToken)).refreshToken;
      expect(first.user.id).toBe(user.id);
      expect(first.refreshToken).not.toBe(user.refreshToken);
      expect(ok(await me(first.accessToken)).me.id).toBe(user.id);

      const second = ok(await refresh(first.refreshToken)).refreshToken;
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect(ok(await me(second.accessToken)).me.id).toBe(user.id);
      // Rotation keeps the session: every access token so far belongs to the same one.
      const sid = (jwt.decode(user.accessToken) as AccessClaims).sid;
      expect((jwt.decode(second.accessToken) as AccessClaims).sid).toBe(sid);

      // The original token was superseded twice over: presenting it is a replay.
      const replay = await refresh(user.refreshToken);
      expectUnauthenticated(replay, 'REFRESH_TOKEN_REUSED');
      expect(JSON.stringify(replay)).not.toContain(user.refreshToken);

      // The session is gone: its newest refresh token and all its access tokens with it.
      expect(codeOf(await refresh(second.refreshToken))).toBe('UNAUTHENTICATED');
      expect(codeOf(await refresh(first.refreshToken))).toBe('UNAUTHENTICATED');
      for (const token of [user.accessToken, first.accessToken, second.accessToken]) {
        expectUnauthenticated(await me(token), 'SESSION_REVOKED');
      }
      const stored = await db.collection('sessions').findOne({ _id: new Types.ObjectId(sid) });
      expect(stored?.revokedAt).toBeInstanceOf(Date);

      // The user's other session is untouched.
      expect(ok(await me(other.accessToken)).me.id).toBe(user.id);
      expect(ok(await refresh(other.refreshToken)).refreshToken.user.id).toBe(user.id);
    });

    it('give new tokens to only one of two concurrent refreshes with the same token', async () => {
      const user = await registerUser(api.url);

      const results = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);

      const winners = results.filter((r) => !r.errors?.length);
      expect(winners).toHaveLength(1);
      expect(codeOf(results.find((r) => r.errors?.length)!)).toBe('UNAUTHENTICATED');
    });

    it('refuses one that was never issued without revoking anything', async () => {
      const user = await registerUser(api.url);

      const response = await refresh(`slw_rt_${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`);

      expectUnauthenticated(response, 'INVALID_TOKEN');
      expect(ok(await me(user.accessToken)).me.id).toBe(user.id);
      expect(ok(await refresh(user.refreshToken)).refreshToken.user.id).toBe(user.id);
    });

    it('refuses one whose session has expired', async () => {
      const user = await registerUser(api.url);
      await db
        .collection('sessions')
        .updateOne(
          { refreshTokenHash: sha256(user.refreshToken) },
          { $set: { expiresAt: new Date(Date.now() - 1000) } },
        );

      expectUnauthenticated(await refresh(user.refreshToken), 'INVALID_TOKEN');
    });

    it('does not accept an access token as a refresh token', async () => {
      const user = await registerUser(api.url);

      expect(codeOf(await refresh(user.accessToken))).toMatch(/^(UNAUTHENTICATED|BAD_USER_INPUT)$/);
      expect(ok(await refresh(user.refreshToken)).refreshToken.user.id).toBe(user.id);
    });
  });

  describe('logout', () => {
    it('ends only the current session, refresh token included', async () => {
      const user = await registerUser(api.url);
      const laptop = ok(await login(user.email, user.password)).login;

      expect(ok(await logout(user.accessToken)).logout).toBe(true);

      expectUnauthenticated(await me(user.accessToken), 'SESSION_REVOKED');
      expectUnauthenticated(await logout(user.accessToken), 'SESSION_REVOKED');
      expect(codeOf(await refresh(user.refreshToken))).toBe('UNAUTHENTICATED');

      expect(ok(await me(laptop.accessToken)).me.id).toBe(user.id);
      const rotated = ok(await refresh(laptop.refreshToken)).refreshToken;
      expect(ok(await me(rotated.accessToken)).me.id).toBe(user.id);
    });

    it('needs a signed-in caller', async () => {
      const response = await logout();

      expect(codeOf(response)).toBe('UNAUTHENTICATED');
      expect(response.data ?? null).toBeNull();
    });
  });

  describe('access tokens that must not work', () => {
    let user: TestUser;
    let claims: AccessClaims;

    beforeAll(async () => {
      user = await registerUser(api.url);
      claims = jwt.decode(user.accessToken) as AccessClaims;
    });

    const live = (): Omit<AccessClaims, 'iat' | 'exp'> => ({
      sub: claims.sub,
      sid: claims.sid,
      email: claims.email,
      typ: 'access',
    });
    const signWith = (payload: object, secret = api.config.jwtSecret, options: jwt.SignOptions = {}): string =>
      jwt.sign(payload, secret, { algorithm: 'HS256', expiresIn: 300, ...options });

    it('accepts a token signed here with the server secret (control for the cases below)', async () => {
      expect(ok(await me(signWith(live()))).me.id).toBe(user.id);
    });

    it('rejects a token signed with another secret', async () => {
      const forged = signWith(live(), 'an-attacker-chosen-secret-that-is-long-enough');

      expectUnauthenticated(await me(forged), 'INVALID_TOKEN');
    });

    it('rejects an expired token', async () => {
      const expired = jwt.sign({ ...live(), iat: nowSeconds() - 3600, exp: nowSeconds() - 60 }, api.config.jwtSecret, {
        algorithm: 'HS256',
      });

      expectUnauthenticated(await me(expired), 'TOKEN_EXPIRED');
    });

    it('rejects an unsigned `alg: none` token', async () => {
      const header = base64url({ alg: 'none', typ: 'JWT' });
      const payload = base64url({ ...live(), iat: nowSeconds(), exp: nowSeconds() + 300 });

      expectUnauthenticated(await me(`${header}.${payload}.`), 'INVALID_TOKEN');
      // The same claims with the real signature stripped off.
      const stripped = signWith(live()).split('.').slice(0, 2).join('.') + '.';
      expectUnauthenticated(await me(stripped), 'INVALID_TOKEN');
    });

    it('rejects another HMAC algorithm even with the right secret', async () => {
      expectUnauthenticated(await me(signWith(live(), api.config.jwtSecret, { algorithm: 'HS512' })), 'INVALID_TOKEN');
    });

    it.each<[string, () => string]>([
      // Every token this API signs says when it was issued and for which session.
      ['`iat`', () => signWith(live(), api.config.jwtSecret, { noTimestamp: true })],
      ['`sid`', () => signWith({ sub: claims.sub, email: claims.email, typ: 'access' })],
      ['`exp`', () => jwt.sign({ ...live(), iat: nowSeconds() }, api.config.jwtSecret, { algorithm: 'HS256' })],
    ])('rejects a token signed with the server secret but without %s', async (_claim, sign) => {
      expectUnauthenticated(await me(sign()), 'INVALID_TOKEN');
    });

    it('rejects a token that is not an access token', async () => {
      expectUnauthenticated(await me(signWith({ ...live(), typ: 'refresh' })), 'INVALID_TOKEN');
    });

    it('rejects a token whose session does not exist or belongs to someone else', async () => {
      const someoneElse = await registerUser(api.url);
      const theirSid = (jwt.decode(someoneElse.accessToken) as AccessClaims).sid;

      expectUnauthenticated(
        await me(signWith({ ...live(), sid: new Types.ObjectId().toHexString() })),
        'SESSION_REVOKED',
      );
      expectUnauthenticated(await me(signWith({ ...live(), sid: theirSid })), 'SESSION_REVOKED');
      expectUnauthenticated(await me(signWith({ ...live(), sid: 'not-an-object-id' })), 'INVALID_TOKEN');
    });

    it.each([
      ['a non-JWT bearer token', 'Bearer not.a.jwt'],
      ['random bytes', `Bearer ${randomUUID()}`],
      ['a bare token without the scheme', 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln'],
      ['another scheme', 'Basic dXNlcjpwYXNzd29yZA=='],
      ['the scheme alone', 'Bearer'],
      ['two tokens', 'Bearer a.b.c d.e.f'],
    ])('rejects a garbage Authorization header: %s', async (_label, header) => {
      expectUnauthenticated(await me(undefined, { authorization: header }), 'INVALID_TOKEN');
    });
  });

  describe('input validation', () => {
    function expectBadInput(response: GraphQLResponse<unknown>): void {
      expect(codeOf(response)).toBe('BAD_USER_INPUT');
      expect(response.data ?? null).toBeNull();
    }

    it.each<[string, (email: string) => Record<string, unknown>]>([
      ['a malformed email', () => ({ email: 'not-an-email', name: 'Bad Email', password: 'long enough password' })],
      ['a password that is too short', (email) => ({ email, name: 'Short', password: 'tiny9' })],
      ['a password that is too long', (email) => ({ email, name: 'Long', password: 'p'.repeat(201) })],
      ['a name over 100 characters', (email) => ({ email, name: 'n'.repeat(101), password: 'long enough password' })],
      ['an empty name', (email) => ({ email, name: '', password: 'long enough password' })],
      ['a name of only spaces', (email) => ({ email, name: '    ', password: 'long enough password' })],
      ['a missing password', (email) => ({ email, name: 'No Password' })],
      ['a missing email', () => ({ name: 'No Email', password: 'long enough password' })],
      ['a number as password', (email) => ({ email, name: 'Number', password: 12345678901 })],
      ['an object as email', () => ({ email: { $ne: null }, name: 'Object', password: 'long enough password' })],
      ['an unknown field', (email) => ({ email, name: 'Extra', password: 'long enough password', role: 'admin' })],
    ])('register refuses %s and creates nothing', async (_label, build) => {
      const email = uniqueEmail('invalid');

      expectBadInput(await register(build(email)));

      expect(await userDocs(email)).toHaveLength(0);
      expectUnauthenticated(await login(email, 'long enough password'), 'INVALID_CREDENTIALS');
      // The email is still free.
      ok(await register({ email, name: 'Valid', password: 'long enough password' }));
    });

    it('accepts a name of exactly 100 characters, counted without surrounding spaces', async () => {
      const name = 'n'.repeat(100);
      const payload = ok(
        await register({ email: uniqueEmail('long-name'), name: `  ${name}  `, password: 'long enough password' }),
      );

      expect(payload.register.user.name).toBe(name);
    });

    it('does not echo a rejected password back', async () => {
      const response = await register({ email: uniqueEmail('echo'), name: 'Echo', password: 'Sh0rt!x' });

      expectBadInput(response);
      expect(JSON.stringify(response)).not.toContain('Sh0rt!x');
    });

    it.each<[string, Record<string, unknown>]>([
      ['a malformed email', { email: 'nope', password: 'whatever password' }],
      ['an empty password', { email: 'someone@example.test', password: '' }],
      ['a missing password', { email: 'someone@example.test' }],
      ['a number as email', { email: 42, password: 'whatever password' }],
      ['an object as password', { email: 'someone@example.test', password: { $gt: '' } }],
    ])('login refuses %s', async (_label, input) => {
      expectBadInput(await checked(ops.auth.login(unchecked<LoginInput>(input))));
    });

    it.each<[string, Record<string, unknown>]>([
      ['an empty token', { refreshToken: '' }],
      ['a token that is too short', { refreshToken: 'slw_rt' }],
      ['a token that is too long', { refreshToken: `slw_rt_${'a'.repeat(300)}` }],
      ['a missing token', {}],
      ['a number', { refreshToken: 1234567890123 }],
    ])('refreshToken refuses %s', async (_label, input) => {
      expectBadInput(await checked(ops.auth.refreshToken(unchecked<RefreshTokenInput>(input))));
    });

    it('refuses a malformed document', async () => {
      expectBadInput(await call('mutation { login(input: { email: "a@b.test" }) { accessToken } }'));
      expectBadInput(
        await call(
          'mutation { register(input: { email: 1, name: "x", password: "long enough password" }) { accessToken } }',
        ),
      );
    });
  });

  describe('what is stored', () => {
    it('keeps a scrypt hash of the password and only SHA-256 hashes of refresh tokens', async () => {
      const password = `stored-password-${randomUUID()}`;
      const user = await registerUser(api.url, { email: uniqueEmail('stored'), password });
      const rotated = ok(await refresh(user.refreshToken)).refreshToken;
      const second = ok(await login(user.email, password)).login;
      const rawTokens = [user.refreshToken, rotated.refreshToken, second.refreshToken];

      const [doc] = await userDocs(user.email);
      expect(doc?.passwordHash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
      expect(doc?.passwordHash).not.toContain(password);
      expect(Object.values(doc ?? {}).map(String)).not.toContain(password);

      const sessions = await sessionsOf(user.id);
      expect(sessions).toHaveLength(2);
      const storedHashes = sessions.flatMap((s) => [
        s.refreshTokenHash as string,
        ...(s.previousTokenHashes as string[]),
      ]);
      for (const hash of storedHashes) expect(hash).toMatch(SHA256_HEX);
      expect(storedHashes.sort()).toEqual(rawTokens.map(sha256).sort());

      // Nothing anywhere in the database holds the password or a raw refresh token, audit log included.
      await waitFor(
        async () =>
          (await db.collection('audit_logs').countDocuments({ operation: 'mutation.refreshToken', actorId: user.id })) >
          0,
        5_000,
        'the audit entry of the refresh',
      );
      const collections = await db.db!.listCollections().toArray();
      expect(collections.map((c) => c.name)).toEqual(expect.arrayContaining(['users', 'sessions', 'audit_logs']));
      for (const { name } of collections) {
        const dump = JSON.stringify(await db.collection(name).find({}).toArray());
        expect({ name, leaksPassword: dump.includes(password) }).toEqual({ name, leaksPassword: false });
        for (const token of rawTokens) {
          expect({ name, leaksRefreshToken: dump.includes(token) }).toEqual({ name, leaksRefreshToken: false });
        }
      }
    });
  });

  describe('login rate limit', () => {
    let limited: TestApp;
    const limitedLogin = (email: string, password: string, headers: Record<string, string> = {}) =>
      operations(limited.url, headers).auth.login({ email, password });

    beforeAll(async () => {
      limited = await startTestApp(
        {
          LOGIN_ATTEMPTS_PER_MINUTE: '3',
          LOGIN_ATTEMPTS_PER_MINUTE_PER_ACCOUNT: '10',
          LOGIN_ATTEMPTS_PER_MINUTE_PER_IP: '15',
        },
        { label: 'rate-limit' },
      );
    });

    const retryAfterOf = (response: GraphQLResponse<unknown>): number | undefined =>
      (response.errors?.[0]?.extensions as { details?: { retryAfterSeconds?: number } } | undefined)?.details
        ?.retryAfterSeconds;

    afterAll(async () => {
      await limited?.close();
    });

    it('refuses an account from one address after LOGIN_ATTEMPTS_PER_MINUTE attempts, whatever the case of the email', async () => {
      const user = await registerUser(limited.url, { email: uniqueEmail('limited') });
      const bystander = await registerUser(limited.url, { email: uniqueEmail('bystander') });

      for (const email of [user.email, user.email.toUpperCase(), user.email]) {
        const attempt = await limitedLogin(email, 'wrong password');
        expect(reasonOf(attempt)).toBe('INVALID_CREDENTIALS');
      }
      // Even the right password is refused now, so the limit says nothing about the password.
      const blocked = await limitedLogin(user.email.toUpperCase(), user.password);

      expect(codeOf(blocked)).toBe('RATE_LIMITED');
      expect(reasonOf(blocked)).toBe('TOO_MANY_ATTEMPTS');
      expect(blocked.data ?? null).toBeNull();
      const retryAfter = retryAfterOf(blocked);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // HTTP says so too: nothing was done, and when to come back.
      expect(blocked.status).toBe(429);
      expect(blocked.headers?.get('retry-after')).toBe(String(retryAfter));
      // Another account from the same address is unaffected.
      expect(ok(await limitedLogin(bystander.email, bystander.password)).login.user.id).toBe(bystander.id);
    });

    it('refuses an address after LOGIN_ATTEMPTS_PER_MINUTE_PER_IP attempts across accounts', async () => {
      const user = await registerUser(limited.url, { email: uniqueEmail('per-ip') });
      const attacker = { 'x-forwarded-for': '203.0.113.7' };

      for (let i = 0; i < 15; i += 1) {
        expect(reasonOf(await limitedLogin(uniqueEmail(`spray-${i}`), 'wrong password', attacker))).toBe(
          'INVALID_CREDENTIALS',
        );
      }
      expect(codeOf(await limitedLogin(user.email, user.password, attacker))).toBe('RATE_LIMITED');
      // The account itself was never tried, so from elsewhere it signs in.
      const elsewhere = await limitedLogin(user.email, user.password, { 'x-forwarded-for': '198.51.100.23' });
      expect(ok(elsewhere).login.user.id).toBe(user.id);
    });

    it('lets the owner sign in from their own address while strangers elsewhere are refused', async () => {
      const owner = await registerUser(limited.url, { email: uniqueEmail('owner') });
      const strangers = [{ 'x-forwarded-for': '203.0.113.21' }, { 'x-forwarded-for': '203.0.113.22' }];

      for (const stranger of strangers) {
        for (let i = 0; i < 3; i += 1) {
          expect(reasonOf(await limitedLogin(owner.email, `guess ${i}`, stranger))).toBe('INVALID_CREDENTIALS');
        }
        // Each stranger's address is done with this account, whatever it sends now.
        const blocked = await limitedLogin(owner.email, owner.password, stranger);
        expect(reasonOf(blocked)).toBe('TOO_MANY_ATTEMPTS');
        expect(retryAfterOf(blocked)).toBeGreaterThan(0);
      }
      // Two strangers spent six attempts and went on knocking; the owner's own address has all of its own.
      const home = { 'x-forwarded-for': '198.51.100.40' };
      expect(ok(await limitedLogin(owner.email, owner.password, home)).login.user.id).toBe(owner.id);
    });

    it('stops a distributed attack on one account at LOGIN_ATTEMPTS_PER_MINUTE_PER_ACCOUNT', async () => {
      const target = await registerUser(limited.url, { email: uniqueEmail('target') });

      // One guess from each of ten addresses: under every address's own limit.
      for (let i = 0; i < 10; i += 1) {
        const from = { 'x-forwarded-for': `192.0.2.${10 + i}` };
        expect(reasonOf(await limitedLogin(target.email, `guess ${i}`, from))).toBe('INVALID_CREDENTIALS');
      }
      // The account has had its ceiling of attempts this minute: from anywhere, even the right password waits.
      const fresh = await limitedLogin(target.email, target.password, { 'x-forwarded-for': '192.0.2.99' });
      expect(codeOf(fresh)).toBe('RATE_LIMITED');
      expect(reasonOf(fresh)).toBe('TOO_MANY_ATTEMPTS');
      expect(retryAfterOf(fresh)).toBeLessThanOrEqual(60);
      // Other accounts are not affected by it.
      const bystander = await registerUser(limited.url, { email: uniqueEmail('bystander') });
      const elsewhere = await limitedLogin(bystander.email, bystander.password, { 'x-forwarded-for': '192.0.2.99' });
      expect(ok(elsewhere).login.user.id).toBe(bystander.id);
    });
  });
});
