import mongoose from 'mongoose';
import { startChildApi, type ChildApi } from './support/child-api';
import { assignRole, createApiToken, createProject, registerUser, type TestUser } from './support/factories';
import { codeOf, ok, reasonOf, waitFor, type GraphQLResponse } from './support/graphql-client';
import {
  operations,
  PROJECT_EVENTS,
  subscribeProjectEvents,
  unchecked,
  type Operations,
  type SecuritySettings,
  type UpdateSecuritySettingsInput,
} from './support/operations';
import { startTestApp, testEnv, type TestApp } from './support/test-app';
import { firstWhileTriggering, LegacyClient, modernClient } from './support/ws-clients';

/**
 * Security settings: a project's IP allowlist, which the guard holds every operation on the
 * project to (through a trusted proxy's X-Forwarded-For, over HTTP and WebSocket), and the API
 * rate limit, which every API process counts together in Redis.
 */

const OFFICE = '198.51.100.0/24';
const INSIDE = { 'x-forwarded-for': '198.51.100.7' };
const OUTSIDE = { 'x-forwarded-for': '203.0.113.9' };

/** API settings both processes share: X-Forwarded-For from the test (127.0.0.1) is believed. */
const SETTINGS = {
  TRUST_PROXY: '127.0.0.1',
  LIVE_STREAM_RECHECK_SECONDS: '1',
  API_RATE_LIMIT_MIN: '2',
  API_RATE_LIMIT_MAX: '1000',
  API_RATE_LIMIT_WINDOW_SECONDS: '3',
};

const detailsOf = (response: GraphQLResponse<unknown>): Record<string, unknown> | undefined =>
  response.errors?.[0]?.extensions?.details as Record<string, unknown> | undefined;

/** The first error a stream ended or was refused with, over either protocol. */
const streamErrorOf = (error: unknown): { code?: unknown; reason?: unknown } =>
  ((Array.isArray(error) ? error[0] : error) as { extensions?: { code?: unknown; reason?: unknown } })?.extensions ??
  {};

describe('security settings', () => {
  let api: TestApp;
  let sut: Operations;
  let inside: Operations;
  let outside: Operations;

  beforeAll(async () => {
    api = await startTestApp(SETTINGS);
    sut = operations(api.url);
    inside = sut.withHeaders(INSIDE);
    outside = sut.withHeaders(OUTSIDE);
  });

  afterAll(async () => {
    await api?.close();
  });

  /** A project whose owner is signed up; with `allowlist`, set from inside the office. */
  async function project(allowlist?: string[]): Promise<{ owner: TestUser; projectId: string }> {
    const owner = await registerUser(api.url);
    const { id } = await createProject(api.url, owner.accessToken);
    if (allowlist) ok(await inside.security.update(owner.accessToken, { projectId: id, ipAllowlist: allowlist }));
    return { owner, projectId: id };
  }

  const settingsOf = async (token: string, projectId: string): Promise<SecuritySettings> =>
    ok(await inside.security.settings(token, { projectId })).securitySettings;

  describe('the IP allowlist', () => {
    it('lets callers from allowed addresses in and keeps every other address out, on queries and mutations', async () => {
      const { owner, projectId } = await project();
      const stored = ok(
        await inside.security.update(owner.accessToken, { projectId, ipAllowlist: [OFFICE] }),
      ).updateSecuritySettings;
      expect(stored).toMatchObject({ ipAllowlist: [OFFICE], callerAddress: '198.51.100.7' });

      expect(ok(await inside.projects.get(owner.accessToken, { id: projectId })).project.id).toBe(projectId);
      ok(await inside.projects.update(owner.accessToken, { id: projectId, name: 'Renamed inside' }));

      const refused = [
        await outside.projects.get(owner.accessToken, { id: projectId }),
        await outside.projects.update(owner.accessToken, { id: projectId, name: 'Renamed outside' }),
        await outside.security.settings(owner.accessToken, { projectId }),
        await outside.security.update(owner.accessToken, { projectId, ipAllowlist: [] }),
        // The proxy itself is no client of the office.
        await sut.projects.get(owner.accessToken, { id: projectId }),
      ];
      expect(refused.map((r) => [codeOf(r), reasonOf(r)])).toEqual(refused.map(() => ['FORBIDDEN', 'IP_NOT_ALLOWED']));
      expect(detailsOf(refused[0]!)).toEqual({ ip: '203.0.113.9' });

      expect(ok(await inside.projects.get(owner.accessToken, { id: projectId })).project.name).toBe('Renamed inside');
      expect((await settingsOf(owner.accessToken, projectId)).ipAllowlist).toEqual([OFFICE]);
    });

    it('denies a subscription from outside on both WebSocket protocols, and streams to one from inside', async () => {
      const { owner, projectId } = await project([OFFICE]);

      const away = modernClient(api.wsUrl, owner.accessToken, { headers: OUTSIDE });
      const refused = subscribeProjectEvents(away, { projectId });
      const legacy = new LegacyClient(api.wsUrl, OUTSIDE);
      const office = modernClient(api.wsUrl, owner.accessToken, { headers: INSIDE });
      const events = subscribeProjectEvents(office, { projectId });
      try {
        expect(streamErrorOf(await refused.error())).toMatchObject({ code: 'FORBIDDEN', reason: 'IP_NOT_ALLOWED' });

        await legacy.opened;
        legacy.send({ type: 'connection_init', payload: { authorization: `Bearer ${owner.accessToken}` } });
        await legacy.expect(['connection_ack']);
        legacy.send({ id: '1', type: 'start', payload: { query: PROJECT_EVENTS, variables: { projectId } } });
        const answer = await legacy.expect(['data', 'error']);
        const error = answer.type === 'error' ? answer.payload : answer.payload?.errors;
        expect(streamErrorOf(error)).toMatchObject({ code: 'FORBIDDEN', reason: 'IP_NOT_ALLOWED' });

        const seen = await firstWhileTriggering(events, (n) =>
          inside.projects.update(owner.accessToken, { id: projectId, name: `Seen from the office ${n}` }),
        );
        expect(seen?.projectEvents.name).toBe('project.updated');
      } finally {
        refused.close();
        events.close();
        legacy.close();
        await Promise.all([away.dispose(), office.dispose()]);
      }
    });

    it('records each denial in the project audit log with reason IP_NOT_ALLOWED and the address', async () => {
      const { owner, projectId } = await project([OFFICE]);

      await outside.projects.get(owner.accessToken, { id: projectId });
      await outside.projects.update(owner.accessToken, { id: projectId, name: 'From afar' });

      const denied = ok(
        await inside.audit.logs(owner.accessToken, { projectId, outcome: 'DENIED' }),
      ).auditLogs.edges.map((e) => e.node);
      expect(
        denied.map(({ operation, errorCode, errorReason, ip, actorId }) => ({
          operation,
          errorCode,
          errorReason,
          ip,
          actorId,
        })),
      ).toEqual(
        ['mutation.updateProject', 'query.project'].map((operation) => ({
          operation,
          errorCode: 'FORBIDDEN',
          errorReason: 'IP_NOT_ALLOWED',
          ip: '203.0.113.9',
          actorId: owner.id,
        })),
      );
    });

    it('ends an open stream once the allowlist leaves its subscriber out', async () => {
      const { owner, projectId } = await project();
      const client = modernClient(api.wsUrl, owner.accessToken, { headers: OUTSIDE });
      const events = subscribeProjectEvents(client, { projectId });
      try {
        const rename = (n: number) => inside.projects.update(owner.accessToken, { id: projectId, name: `Open ${n}` });
        expect(await firstWhileTriggering(events, rename)).toBeDefined();

        ok(await inside.security.update(owner.accessToken, { projectId, ipAllowlist: [OFFICE] }));

        expect(streamErrorOf(await events.error(5_000))).toMatchObject({
          code: 'FORBIDDEN',
          reason: 'IP_NOT_ALLOWED',
        });
      } finally {
        events.close();
        await client.dispose();
      }
    });

    it('refuses a list that leaves out the caller unless the lockout is confirmed', async () => {
      const { owner, projectId } = await project();

      const refused = await outside.security.update(owner.accessToken, { projectId, ipAllowlist: [OFFICE] });
      expect([codeOf(refused), reasonOf(refused)]).toEqual(['CONFLICT', 'WOULD_LOCK_OUT']);
      expect(detailsOf(refused)).toEqual({ ip: '203.0.113.9' });
      expect((await settingsOf(owner.accessToken, projectId)).ipAllowlist).toEqual([]);

      const confirmed = await outside.security.update(owner.accessToken, {
        projectId,
        ipAllowlist: [OFFICE],
        confirmLockout: true,
      });
      expect(ok(confirmed).updateSecuritySettings.ipAllowlist).toEqual([OFFICE]);
      expect(reasonOf(await outside.projects.get(owner.accessToken, { id: projectId }))).toBe('IP_NOT_ALLOWED');
      // From the office the owner can still undo it.
      ok(await inside.security.update(owner.accessToken, { projectId, ipAllowlist: [] }));
      expect(ok(await outside.projects.get(owner.accessToken, { id: projectId })).project.id).toBe(projectId);
    });

    it('stores IPv6 and IPv4-mapped networks one way, and matches IPv6 clients', async () => {
      const { owner, projectId } = await project();

      const stored = ok(
        await inside.security.update(owner.accessToken, {
          projectId,
          ipAllowlist: ['2001:DB8:0:0::/32', '2001:db8::1/32', '::ffff:198.51.100.0/120', '198.51.100.7'],
        }),
      ).updateSecuritySettings;

      expect(stored.ipAllowlist).toEqual(['2001:db8::/32', '198.51.100.0/24', '198.51.100.7']);
      const from = (address: string) =>
        sut.withHeaders({ 'x-forwarded-for': address }).projects.get(owner.accessToken, { id: projectId });
      expect(ok(await from('2001:db8:aa::5')).project.id).toBe(projectId);
      expect(ok(await from('::ffff:198.51.100.99')).project.id).toBe(projectId);
      expect(reasonOf(await from('2001:db9::5'))).toBe('IP_NOT_ALLOWED');
    });
  });

  describe('changes', () => {
    it('refuses bad input with BAD_USER_INPUT and leaves the settings as they were', async () => {
      const { owner, projectId } = await project();
      ok(await inside.security.update(owner.accessToken, { projectId, ipAllowlist: [OFFICE], rateLimitPerMinute: 50 }));
      const before = await settingsOf(owner.accessToken, projectId);

      const cases: Array<[UpdateSecuritySettingsInput, string]> = [
        [{ projectId, ipAllowlist: ['10.0.0.0/33'] }, 'INVALID_IP_RANGE'],
        [{ projectId, ipAllowlist: [OFFICE, 'office.example.com'] }, 'INVALID_IP_RANGE'],
        [{ projectId, ipAllowlist: ['010.0.0.1'] }, 'INVALID_IP_RANGE'],
        [{ projectId, ipAllowlist: Array.from({ length: 101 }, (_, i) => `10.0.${i}.0/24`) }, 'INVALID_INPUT'],
        [{ projectId, ipAllowlist: null }, 'INVALID_INPUT'],
        [{ projectId, ipAllowlist: ['x'.repeat(65)] }, 'INVALID_INPUT'],
        [{ projectId, rateLimitPerMinute: 1 }, 'RATE_LIMIT_OUT_OF_BOUNDS'],
        [{ projectId, rateLimitPerMinute: 1001 }, 'RATE_LIMIT_OUT_OF_BOUNDS'],
        [{ projectId, rateLimitPerMinute: 0 }, 'INVALID_INPUT'],
        // Nothing of a change is kept when one part of it is refused.
        [{ projectId, ipAllowlist: ['10.0.0.0/8', OFFICE], rateLimitPerMinute: 5000 }, 'RATE_LIMIT_OUT_OF_BOUNDS'],
        [unchecked({ projectId, ipAllowlist: [42] }), 'BAD_USER_INPUT'],
        [unchecked({ projectId, rateLimitPerMinute: 'fast' }), 'BAD_USER_INPUT'],
        [{ projectId: 'not-an-id', rateLimitPerMinute: 100 }, 'INVALID_ID'],
      ];
      for (const [input, reason] of cases) {
        const refused = await inside.security.update(owner.accessToken, input);
        expect({ input, code: codeOf(refused), reason: reasonOf(refused) }).toEqual({
          input,
          code: 'BAD_USER_INPUT',
          reason,
        });
      }

      expect(await settingsOf(owner.accessToken, projectId)).toEqual(before);
    });

    it('is for members holding setting:read to see and setting:update to change', async () => {
      const { owner, projectId } = await project();
      const [stranger, viewer] = [await registerUser(api.url), await registerUser(api.url)];
      await assignRole(api.url, owner.accessToken, { projectId, userId: viewer.id, roleId: 'viewer' });

      expect(codeOf(await sut.security.settings(stranger.accessToken, { projectId }))).toBe('FORBIDDEN');
      expect(codeOf(await sut.security.update(stranger.accessToken, { projectId, rateLimitPerMinute: 20 }))).toBe(
        'FORBIDDEN',
      );
      expect(ok(await sut.security.settings(viewer.accessToken, { projectId })).securitySettings.projectId).toBe(
        projectId,
      );
      expect(codeOf(await sut.security.update(viewer.accessToken, { projectId, ipAllowlist: [] }))).toBe('FORBIDDEN');
      expect(codeOf(await sut.security.settings(undefined, { projectId }))).toBe('UNAUTHENTICATED');
      expect((await settingsOf(owner.accessToken, projectId)).rateLimitPerMinute).toBeNull();
    });

    it('announces a change as security.updated and records it in the audit log', async () => {
      const { owner, projectId } = await project();
      const client = modernClient(api.wsUrl, owner.accessToken);
      const events = subscribeProjectEvents(client, { projectId });
      try {
        let limit = 100;
        const announced = await firstWhileTriggering(events, async () => {
          limit += 1;
          ok(await sut.security.update(owner.accessToken, { projectId, rateLimitPerMinute: limit }));
        });
        expect(announced?.projectEvents).toMatchObject({
          name: 'security.updated',
          actorId: owner.id,
          payload: { changed: ['rateLimitPerMinute'], ipAllowlistEntries: 0 },
        });
        // The limit one of the changes set (a late event may be an earlier attempt's).
        expect(announced?.projectEvents.payload.rateLimitPerMinute).toBeGreaterThan(100);
        expect(announced?.projectEvents.payload.rateLimitPerMinute).toBeLessThanOrEqual(limit);
      } finally {
        events.close();
        await client.dispose();
      }
      const changes = ok(
        await sut.audit.logs(owner.accessToken, { projectId, operation: 'mutation.updateSecuritySettings' }),
      ).auditLogs.edges.map((e) => e.node);
      expect(changes[0]).toMatchObject({
        outcome: 'GRANTED',
        actorId: owner.id,
        arguments: { input: { projectId, rateLimitPerMinute: expect.any(Number) } },
      });
      const { rateLimitPerMinute, effectiveRateLimitPerMinute } = await settingsOf(owner.accessToken, projectId);
      expect(effectiveRateLimitPerMinute).toBe(rateLimitPerMinute);
    });

    it('deletes the settings with their project', async () => {
      const { owner, projectId } = await project([OFFICE]);
      const db = await mongoose.createConnection(api.config.MONGODB_URI).asPromise();
      try {
        const settings = db.collection('project_security_settings');
        const stored = () => settings.countDocuments({ _id: new mongoose.Types.ObjectId(projectId) });
        expect(await stored()).toBe(1);

        ok(await inside.projects.delete(owner.accessToken, { id: projectId }));

        expect(await waitFor(async () => (await stored()) === 0, 5_000, 'the settings to be deleted')).toBe(true);
      } finally {
        await db.close();
      }
    });
  });

  describe('the API rate limit', () => {
    let second: ChildApi;
    let onSecond: Operations;

    beforeAll(async () => {
      second = await startChildApi({
        ...testEnv({ ...SETTINGS, PROCESS_ROLE: 'api', PORT: '0' }),
        NODE_ENV: 'production',
      });
      onSecond = operations(second.url);
    });

    afterAll(async () => {
      await second?.stop();
    });

    it('lets exactly the project limit through, counted over both processes, and says when to come back', async () => {
      const { owner, projectId } = await project();
      const elsewhere = (await createProject(api.url, owner.accessToken)).id;
      ok(await sut.security.update(owner.accessToken, { projectId, rateLimitPerMinute: 5 }));

      const burst = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 === 0 ? sut : onSecond).projects.get(owner.accessToken, { id: projectId }),
        ),
      );

      expect(burst.filter((r) => !r.errors).length).toBe(5);
      const limited = burst.filter((r) => r.errors);
      expect(limited.map((r) => [codeOf(r), reasonOf(r)])).toEqual(limited.map(() => ['RATE_LIMITED', 'RATE_LIMITED']));
      for (const refusal of limited) {
        const retryAfter = detailsOf(refusal)?.retryAfterSeconds as number;
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(3);
        expect(refusal.status).toBe(429);
        expect(refusal.headers?.get('retry-after')).toBe(String(retryAfter));
      }
      // The project's own limit is counted apart: the caller's other operations go on.
      expect(ok(await onSecond.projects.get(owner.accessToken, { id: elsewhere })).project.id).toBe(elsewhere);
      expect(ok(await onSecond.auth.me(owner.accessToken)).me.id).toBe(owner.id);

      // Once the window is over, the project answers again; the flood left one entry in its audit log.
      await waitFor(
        async () => !(await sut.projects.get(owner.accessToken, { id: projectId })).errors,
        5_000,
        'a new window',
      );
      const denied = ok(await sut.audit.logs(owner.accessToken, { projectId, outcome: 'DENIED' })).auditLogs.edges;
      expect(denied.map((e) => [e.node.operation, e.node.errorReason])).toEqual([['query.project', 'RATE_LIMITED']]);
    });
  });
});

/**
 * With no trusted proxy, X-Forwarded-For is whatever a client chose to write: the socket's peer
 * (127.0.0.1 here) is the caller.
 */
describe('security settings without trusted proxies', () => {
  let api: TestApp;
  let sut: Operations;
  let owner: TestUser;
  let tokenOwner: TestUser;
  let projectId: string;

  beforeAll(async () => {
    api = await startTestApp({ TRUST_PROXY: 'false', API_RATE_LIMIT_PER_MINUTE: '30' }, { label: 'direct' });
    sut = operations(api.url);
    owner = await registerUser(api.url);
    // Registered here: the anonymous test below spends this address's allowance.
    tokenOwner = await registerUser(api.url);
    projectId = (await createProject(api.url, owner.accessToken)).id;
  });

  afterAll(async () => {
    await api?.close();
  });

  it('ignores X-Forwarded-For: the socket address counts', async () => {
    const claimsOffice = sut.withHeaders(INSIDE);
    const claimsElsewhere = sut.withHeaders(OUTSIDE);

    const refused = await claimsOffice.security.update(owner.accessToken, { projectId, ipAllowlist: [OFFICE] });
    expect(reasonOf(refused)).toBe('WOULD_LOCK_OUT');
    expect(detailsOf(refused)).toEqual({ ip: '127.0.0.1' });

    const local = ok(
      await claimsElsewhere.security.update(owner.accessToken, { projectId, ipAllowlist: ['127.0.0.1'] }),
    );
    expect(local.updateSecuritySettings.callerAddress).toBe('127.0.0.1');
    expect(ok(await claimsElsewhere.projects.get(owner.accessToken, { id: projectId })).project.id).toBe(projectId);

    ok(await sut.security.update(owner.accessToken, { projectId, ipAllowlist: [OFFICE], confirmLockout: true }));
    expect(reasonOf(await claimsOffice.projects.get(owner.accessToken, { id: projectId }))).toBe('IP_NOT_ALLOWED');
  });

  it('limits anonymous callers by address, and each signed-in caller on their own', async () => {
    const anonymous = await Promise.all(Array.from({ length: 40 }, () => sut.projects.list(undefined)));

    const codes = anonymous.map(codeOf);
    const admitted = codes.filter((code) => code === 'UNAUTHENTICATED').length;
    expect(admitted).toBeGreaterThan(0);
    expect(admitted).toBeLessThanOrEqual(30);
    expect(codes.filter((code) => code === 'RATE_LIMITED').length).toBe(40 - admitted);
    // The address is spent; the signed-in owner, counted on their own, is not.
    expect(codeOf(await sut.auth.me(undefined))).toBe('RATE_LIMITED');
    expect(ok(await sut.auth.me(owner.accessToken)).me.id).toBe(owner.id);
  });

  it("counts an API token's operations against its owner, however many tokens the owner makes", async () => {
    const user = tokenOwner;
    const tokens = await Promise.all(
      [1, 2].map(async () => (await createApiToken(api.url, user.accessToken, { scopes: ['project:read'] })).secret),
    );

    // 40 operations through two tokens of one owner share the owner's 30 a minute.
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => sut.auth.me(tokens[i % 2])));
    const codes = answers.map(codeOf);
    const admitted = codes.filter((code) => code === undefined).length;
    expect(admitted).toBeGreaterThan(0);
    expect(admitted).toBeLessThanOrEqual(28);
    expect(codes.filter((code) => code === 'RATE_LIMITED').length).toBe(40 - admitted);
    // The owner's own sign-in draws on the same allowance.
    expect(codeOf(await sut.auth.me(user.accessToken))).toBe('RATE_LIMITED');
  });
});
