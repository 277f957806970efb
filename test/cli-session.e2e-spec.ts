import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliConfigDir, expireStoredAccessToken, runCli, type CliOptions, type CliRun } from './support/cli';
import { registerUser, type TestUser } from './support/factories';
import { codeOf } from './support/graphql-client';
import { operations } from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';

interface StoredSession {
  session: { accessToken: string; refreshToken: string };
}

/**
 * The stored login over its life: renewed by several slipway commands at once without the API
 * taking the reuse of a rotated refresh token for theft, and ended on the API by `logout`.
 * An expired access token is made by signing the stored one again with its expiry passed.
 */
describe('slipway CLI session', () => {
  let api: TestApp;
  let owner: TestUser;

  const cli = (config: string, args: string[], options: CliOptions = {}): Promise<CliRun> =>
    runCli(args, { ...options, env: { SLIPWAY_API_URL: api.url, SLIPWAY_CONFIG_DIR: config, ...options.env } });
  const stored = (config: string): StoredSession =>
    JSON.parse(readFileSync(path.join(config, 'credentials.json'), 'utf8')) as StoredSession;
  const login = async (config: string): Promise<void> => {
    const run = await cli(config, ['login', '--email', owner.email, '--password-stdin'], { input: owner.password });
    expect(run).toMatchObject({ code: 0 });
  };

  beforeAll(async () => {
    api = await startTestApp();
    owner = await registerUser(api.url);
  }, 120_000);

  afterAll(async () => {
    await api?.close();
  });

  it('renews an expired session once when several commands need it at the same time', async () => {
    const config = cliConfigDir();
    await login(config);
    const first = stored(config).session;
    const expired = expireStoredAccessToken(config, api.config.jwtSecret);
    expect(codeOf(await operations(api.url).auth.me(expired))).toBe('UNAUTHENTICATED');

    const runs = await Promise.all([1, 2, 3].map(() => cli(config, ['whoami'])));
    for (const run of runs) {
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toContain(owner.email);
    }
    const renewed = stored(config).session;
    expect(renewed.refreshToken).not.toBe(first.refreshToken);
    const after = await cli(config, ['whoami']);
    expect(after).toMatchObject({ code: 0 });
    expect(after.stdout).toContain(owner.email);
    expect(stored(config).session.refreshToken).toBe(renewed.refreshToken);
  }, 60_000);

  it('ends the session on the API at logout, so its refresh token is refused afterwards', async () => {
    const config = cliConfigDir();
    await login(config);
    const { refreshToken } = stored(config).session;
    const run = await cli(config, ['logout', '--json']);
    expect(run).toMatchObject({ code: 0 });
    expect(JSON.parse(run.stdout)).toEqual({ loggedOut: true, sessionEnded: true });
    expect(codeOf(await operations(api.url).auth.refreshToken({ refreshToken }))).toBe('UNAUTHENTICATED');
  }, 60_000);

  it('still forgets the login at logout when the API cannot be reached, and says so', async () => {
    const config = cliConfigDir();
    await login(config);
    // The session is for an API where nothing listens (port 9, discard, on loopback).
    const file = path.join(config, 'credentials.json');
    writeFileSync(file, JSON.stringify({ ...stored(config), apiUrl: 'http://127.0.0.1:9/graphql' }));
    const run = await cli(config, ['logout']);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain('Logged out');
    expect(run.stderr).toMatch(/could not end the session on the API/i);
    expect(existsSync(file)).toBe(false);
  }, 60_000);
});
