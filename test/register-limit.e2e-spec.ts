import { registerUser } from './support/factories';
import { codeOf, reasonOf } from './support/graphql-client';
import { operations } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';

/** Sign-up is throttled per address: it costs a password hash and tells whether an email exists. */
describe('sign-up rate limit', () => {
  let api: TestApp;

  beforeAll(async () => {
    api = await startTestApp({ REGISTRATIONS_PER_HOUR_PER_IP: '2' });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('refuses the sign-up past the hourly allowance with RATE_LIMITED and creates nothing', async () => {
    // The window is a clock hour: do not straddle its end.
    const intoHour = Date.now() % 3_600_000;
    if (intoHour > 3_600_000 - 10_000) await new Promise((resolve) => setTimeout(resolve, 3_600_000 - intoHour + 100));
    const ops = operations(api.url);
    await registerUser(api.url);
    await registerUser(api.url);
    const input = { email: 'third@example.test', name: 'Third', password: 'a long passphrase' };
    const third = await ops.auth.register(input);
    expect(codeOf(third)).toBe('RATE_LIMITED');
    expect(reasonOf(third)).toBe('TOO_MANY_ATTEMPTS');
    const login = await ops.auth.login({ email: input.email, password: input.password });
    expect(codeOf(login)).toBe('UNAUTHENTICATED');
  });
});
