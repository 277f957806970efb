import jwt from 'jsonwebtoken';
import { registerUser } from './support/factories';
import { codeOf, ok, reasonOf, waitFor } from './support/graphql-client';
import { operations, type Operations } from './support/operations';
import { startTestApp, testEnv, type TestApp } from './support/test-app';

/** Verified tokens are remembered, but never past their own expiry. */
describe('verified access tokens', () => {
  let api: TestApp;
  let ops: Operations;

  beforeAll(async () => {
    api = await startTestApp();
    ops = operations(api.url);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('stop working at their exp even after being accepted before', async () => {
    const user = await registerUser(api.url);
    const claims = jwt.decode(user.accessToken) as Record<string, unknown>;
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = jwt.sign(
      { sub: claims.sub, sid: claims.sid, email: claims.email, typ: 'access', exp },
      testEnv().JWT_SECRET!,
      {
        algorithm: 'HS256',
      },
    );
    expect(ok(await ops.auth.me(shortLived)).me.id).toBe(user.id);
    expect(ok(await ops.auth.me(shortLived)).me.id).toBe(user.id);
    const expired = await waitFor(
      async () => {
        const res = await ops.auth.me(shortLived);
        return codeOf(res) === 'UNAUTHENTICATED' ? res : undefined;
      },
      5_000,
      'the token to expire',
    );
    expect(reasonOf(expired)).toBe('TOKEN_EXPIRED');
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
  });
});
