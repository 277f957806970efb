import { EventEmitter2 } from '@nestjs/event-emitter';
import mongoose, { Types } from 'mongoose';
import type { DomainEvent } from '../src/common/events/domain-event';
import { ProjectSettingsService } from '../src/settings/project-settings.service';
import { assignRole, createProject, createRole, registerUser, type TestUser } from './support/factories';
import { codeOf, gql, ok, reasonOf, waitFor, type GraphQLResponse } from './support/graphql-client';
import {
  operations,
  unchecked,
  type AuditLog,
  type NotificationRuleInput,
  type Operations,
  type Project,
  type ProjectSettings,
} from './support/operations';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Project settings over real HTTP, against an app whose platform bounds are small enough to
 * cross: every group's defaults and updates, the bounds with the bound in the message, bad input
 * for each mutation (and the settings read back unchanged), who may read and change them, and
 * what an update leaves behind: an audit entry and a `settings.updated` event.
 */

const BOUNDS = {
  LIMIT_BUILD_TIMEOUT_SECONDS_MAX: '600',
  LIMIT_BUILD_MEMORY_MB_MAX: '2048',
  LIMIT_FUNCTION_TIMEOUT_SECONDS_MAX: '60',
  LIMIT_FUNCTION_MEMORY_MB_MAX: '512',
  LIMIT_CONCURRENT_BUILDS_MAX: '3',
  LIMIT_WARM_INSTANCES_MAX: '4',
  LIMIT_TARGET_CONCURRENCY_MAX: '50',
};

/** What a project that set nothing reads, under BOUNDS: the function memory default (1024) held to the limit. */
const DEFAULT_SETTINGS = {
  deployment: { productionBranch: 'main', autoDeployBranches: [], previewDeployments: true },
  functions: { runtime: 'nodejs20', timeoutSeconds: 10, memoryMb: 512 },
  limits: {
    maxBuildTimeoutSeconds: 600,
    maxBuildMemoryMb: 2048,
    maxFunctionTimeoutSeconds: 60,
    maxFunctionMemoryMb: 512,
    concurrentBuilds: 1,
  },
  autoscaling: { minWarmInstances: 0, maxWarmInstances: 1, targetConcurrency: 1 },
  notifications: { rules: [] },
  platformLimits: {
    maxBuildTimeoutSeconds: 600,
    maxBuildMemoryMb: 2048,
    maxFunctionTimeoutSeconds: 60,
    maxFunctionMemoryMb: 512,
    maxConcurrentBuilds: 3,
    maxWarmInstances: 4,
    maxTargetConcurrency: 50,
  },
};

describe('project settings, end to end', () => {
  let api: TestApp;
  let on: Operations;
  let db: mongoose.Connection;
  let owner: TestUser;
  const events: DomainEvent[] = [];

  const settingsOf = async (projectId: string, token = owner.accessToken): Promise<ProjectSettings> =>
    ok(await on.settings.get(token, { projectId })).projectSettings;
  const storedDocument = (projectId: string) =>
    db.collection('project_settings').findOne({ _id: new Types.ObjectId(projectId) });
  const updatesOf = (projectId: string) =>
    events.filter((e) => e.name === 'settings.updated' && e.projectId === projectId).map((e) => e.payload());

  beforeAll(async () => {
    api = await startTestApp(BOUNDS);
    on = operations(api.url);
    db = await mongoose.createConnection(api.config.MONGODB_URI).asPromise();
    owner = await registerUser(api.url);
    api.app.get(EventEmitter2).on('settings.updated', (event: DomainEvent) => events.push(event));
  });

  afterAll(async () => {
    await db?.close();
    await api?.close();
  });

  it('reads the defaults of a project that set nothing, and stores nothing for it', async () => {
    const project = await createProject(api.url, owner.accessToken);

    const sut = await settingsOf(project.id);

    expect(sut).toEqual({ projectId: project.id, ...DEFAULT_SETTINGS });
    expect(await storedDocument(project.id)).toBeNull();
  });

  describe('each update changes what it was given, and nothing else', () => {
    let project: Project;

    beforeAll(async () => {
      project = await createProject(api.url, owner.accessToken);
    });

    it('deployment preferences', async () => {
      const first = ok(
        await on.settings.updateDeployment(owner.accessToken, {
          projectId: project.id,
          productionBranch: ' trunk ',
          autoDeployBranches: ['feature/*', 'release-*', 'feature/*'],
        }),
      ).updateDeploymentPreferences;
      expect(first.deployment).toEqual({
        productionBranch: 'trunk',
        autoDeployBranches: ['feature/*', 'release-*'],
        previewDeployments: true,
      });

      const second = ok(
        await on.settings.updateDeployment(owner.accessToken, { projectId: project.id, previewDeployments: false }),
      ).updateDeploymentPreferences;

      expect(second).toEqual({
        ...first,
        deployment: {
          productionBranch: 'trunk',
          autoDeployBranches: ['feature/*', 'release-*'],
          previewDeployments: false,
        },
      });
      expect(await settingsOf(project.id)).toEqual(second);
    });

    it('function defaults', async () => {
      const before = await settingsOf(project.id);

      const sut = ok(
        await on.settings.updateFunctions(owner.accessToken, { projectId: project.id, runtime: 'python3.11' }),
      ).updateFunctionDefaults;
      const then = ok(
        await on.settings.updateFunctions(owner.accessToken, {
          projectId: project.id,
          timeoutSeconds: 60,
          memoryMb: 256,
        }),
      ).updateFunctionDefaults;

      expect(sut).toEqual({ ...before, functions: { ...before.functions, runtime: 'python3.11' } });
      expect(then).toEqual({ ...before, functions: { runtime: 'python3.11', timeoutSeconds: 60, memoryMb: 256 } });
    });

    it('resource limits', async () => {
      const before = await settingsOf(project.id);

      const sut = ok(
        await on.settings.updateLimits(owner.accessToken, {
          projectId: project.id,
          maxBuildTimeoutSeconds: 300,
          concurrentBuilds: 3,
        }),
      ).updateResourceLimits;

      expect(sut).toEqual({
        ...before,
        limits: { ...before.limits, maxBuildTimeoutSeconds: 300, concurrentBuilds: 3 },
      });
      expect(await settingsOf(project.id)).toEqual(sut);
    });

    it('autoscaling', async () => {
      const before = await settingsOf(project.id);

      const sut = ok(
        await on.settings.updateAutoscaling(owner.accessToken, {
          projectId: project.id,
          maxWarmInstances: 4,
          minWarmInstances: 4,
        }),
      ).updateAutoscalingSettings;
      const then = ok(
        await on.settings.updateAutoscaling(owner.accessToken, { projectId: project.id, targetConcurrency: 50 }),
      ).updateAutoscalingSettings;

      expect(sut).toEqual({
        ...before,
        autoscaling: { minWarmInstances: 4, maxWarmInstances: 4, targetConcurrency: 1 },
      });
      expect(then.autoscaling).toEqual({ minWarmInstances: 4, maxWarmInstances: 4, targetConcurrency: 50 });
    });

    it('notification preferences, which recipientsFor answers from', async () => {
      const member = await registerUser(api.url);
      await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: member.id, roleId: 'viewer' });
      const oncall = await createRole(api.url, owner.accessToken, project.id, { name: 'On call' });
      const before = await settingsOf(project.id);

      const sut = ok(
        await on.settings.updateNotifications(owner.accessToken, {
          projectId: project.id,
          rules: [
            { event: 'build.failed', channels: ['EMAIL', 'WEBHOOK'], recipients: { roles: ['admin', oncall.id] } },
            {
              event: 'build.*',
              channels: ['EMAIL'],
              recipients: { userIds: [member.id], emails: ['Ops@Example.com'] },
            },
            { event: 'deployment.promoted', channels: ['WEBHOOK'] },
          ],
        }),
      ).updateNotificationPreferences;

      expect(sut).toEqual({
        ...before,
        notifications: {
          rules: [
            {
              event: 'build.failed',
              channels: ['EMAIL', 'WEBHOOK'],
              recipients: { roles: ['admin', oncall.id], userIds: [], emails: [] },
            },
            {
              event: 'build.*',
              channels: ['EMAIL'],
              recipients: { roles: [], userIds: [member.id], emails: ['ops@example.com'] },
            },
            {
              event: 'deployment.promoted',
              channels: ['WEBHOOK'],
              recipients: { roles: [], userIds: [], emails: [] },
            },
          ],
        },
      });
      const recipients = api.app.get(ProjectSettingsService);
      expect(await recipients.recipientsFor(project.id, 'build.failed')).toEqual({
        email: { roles: ['admin', oncall.id], userIds: [member.id], emails: ['ops@example.com'] },
        webhook: true,
      });
      expect(await recipients.recipientsFor(project.id, 'build.succeeded')).toEqual({
        email: { roles: [], userIds: [member.id], emails: ['ops@example.com'] },
        webhook: false,
      });
      expect(await recipients.recipientsFor(project.id, 'deployment.promoted')).toEqual({
        email: { roles: [], userIds: [], emails: [] },
        webhook: true,
      });
      expect(await recipients.recipientsFor(project.id, 'alert.fired')).toEqual({
        email: { roles: [], userIds: [], emails: [] },
        webhook: false,
      });

      // Leaving the rules out changes nothing; an empty list removes them all.
      const untouched = ok(await on.settings.updateNotifications(owner.accessToken, { projectId: project.id }));
      expect(untouched.updateNotificationPreferences).toEqual(sut);
      const cleared = ok(
        await on.settings.updateNotifications(owner.accessToken, { projectId: project.id, rules: [] }),
      );
      expect(cleared.updateNotificationPreferences.notifications.rules).toEqual([]);
    });

    it('announces each change as settings.updated, with its group and fields', async () => {
      await waitFor(async () => updatesOf(project.id).length >= 9, 5_000, 'the settings.updated events');

      expect(updatesOf(project.id)).toEqual([
        { group: 'deployment', fields: ['productionBranch', 'autoDeployBranches'] },
        { group: 'deployment', fields: ['previewDeployments'] },
        { group: 'functions', fields: ['runtime'] },
        { group: 'functions', fields: ['timeoutSeconds', 'memoryMb'] },
        { group: 'limits', fields: ['maxBuildTimeoutSeconds', 'concurrentBuilds'] },
        { group: 'autoscaling', fields: ['minWarmInstances', 'maxWarmInstances'] },
        { group: 'autoscaling', fields: ['targetConcurrency'] },
        { group: 'notifications', fields: ['rules'] },
        // The update that left the rules out announced nothing; the one that emptied them did.
        { group: 'notifications', fields: ['rules'] },
      ]);
      const [first] = events.filter((e) => e.projectId === project.id);
      expect(first!.actorId).toBe(owner.id);
    });
  });

  describe('bounds', () => {
    let project: Project;

    beforeAll(async () => {
      project = await createProject(api.url, owner.accessToken);
    });

    it("refuses limits past the platform's bounds, saying which bound", async () => {
      const cases: Array<[Record<string, number>, string]> = [
        [{ maxBuildTimeoutSeconds: 601 }, "maxBuildTimeoutSeconds must be at most 600 (the platform's limit)"],
        [{ maxBuildTimeoutSeconds: 9 }, 'maxBuildTimeoutSeconds must be at least 10'],
        [{ maxBuildMemoryMb: 2049 }, "maxBuildMemoryMb must be at most 2048 (the platform's limit)"],
        [{ maxFunctionTimeoutSeconds: 61 }, "maxFunctionTimeoutSeconds must be at most 60 (the platform's limit)"],
        [{ maxFunctionMemoryMb: 513 }, "maxFunctionMemoryMb must be at most 512 (the platform's limit)"],
        [{ concurrentBuilds: 4 }, "concurrentBuilds must be at most 3 (the platform's limit)"],
        [{ concurrentBuilds: 0 }, 'concurrentBuilds must be at least 1'],
      ];
      for (const [change, message] of cases) {
        const response = await on.settings.updateLimits(owner.accessToken, { projectId: project.id, ...change });
        expect([codeOf(response), reasonOf(response), response.errors?.[0]?.message]).toEqual([
          'BAD_USER_INPUT',
          'OUT_OF_BOUNDS',
          message,
        ]);
      }
      const [field] = Object.keys(cases[0]![0]);
      const refused = await on.settings.updateLimits(owner.accessToken, { projectId: project.id, [field!]: 601 });
      expect(refused.errors?.[0]?.extensions?.details).toEqual({ field: 'maxBuildTimeoutSeconds', max: 600 });
      expect((await settingsOf(project.id)).limits).toEqual(DEFAULT_SETTINGS.limits);
    });

    it("holds function defaults to the project's limits, and limits to what the defaults use", async () => {
      ok(await on.settings.updateLimits(owner.accessToken, { projectId: project.id, maxFunctionTimeoutSeconds: 30 }));

      const tooLong = await on.settings.updateFunctions(owner.accessToken, {
        projectId: project.id,
        timeoutSeconds: 31,
      });
      expect([codeOf(tooLong), reasonOf(tooLong), tooLong.errors?.[0]?.message]).toEqual([
        'BAD_USER_INPUT',
        'OUT_OF_BOUNDS',
        "timeoutSeconds must be at most 30 (the project's limit, maxFunctionTimeoutSeconds)",
      ]);
      ok(await on.settings.updateFunctions(owner.accessToken, { projectId: project.id, timeoutSeconds: 30 }));

      const inUse = await on.settings.updateLimits(owner.accessToken, {
        projectId: project.id,
        maxFunctionTimeoutSeconds: 20,
      });
      expect([codeOf(inUse), reasonOf(inUse), inUse.errors?.[0]?.message]).toEqual([
        'CONFLICT',
        'LIMIT_IN_USE',
        "maxFunctionTimeoutSeconds cannot be 20: the function defaults' timeoutSeconds is 30; lower it first (updateFunctionDefaults)",
      ]);
      expect(await settingsOf(project.id)).toMatchObject({
        functions: { timeoutSeconds: 30 },
        limits: { maxFunctionTimeoutSeconds: 30 },
      });
    });

    it('keeps the minimum of warm instances at most their maximum, even when both change at once', async () => {
      for (let round = 0; round < 5; round++) {
        ok(
          await on.settings.updateAutoscaling(owner.accessToken, {
            projectId: project.id,
            minWarmInstances: 0,
            maxWarmInstances: 4,
          }),
        );
        const [raiseMin, lowerMax] = await Promise.all([
          on.settings.updateAutoscaling(owner.accessToken, { projectId: project.id, minWarmInstances: 3 }),
          on.settings.updateAutoscaling(owner.accessToken, { projectId: project.id, maxWarmInstances: 2 }),
        ]);

        const refused = [raiseMin, lowerMax].filter((r) => r.errors);
        expect(refused.map(reasonOf)).toEqual(['MIN_ABOVE_MAX']);
        const { autoscaling } = await settingsOf(project.id);
        expect(autoscaling.minWarmInstances).toBeLessThanOrEqual(autoscaling.maxWarmInstances);
      }
    });
  });

  it('refuses bad input to every mutation with a stable code and leaves the settings as they were', async () => {
    const project = await createProject(api.url, owner.accessToken);
    const outsider = await registerUser(api.url);
    ok(
      await on.settings.updateDeployment(owner.accessToken, {
        projectId: project.id,
        productionBranch: 'trunk',
        autoDeployBranches: ['staging'],
      }),
    );
    ok(await on.settings.updateAutoscaling(owner.accessToken, { projectId: project.id, maxWarmInstances: 2 }));
    ok(
      await on.settings.updateNotifications(owner.accessToken, {
        projectId: project.id,
        rules: [{ event: 'alert.fired', channels: ['EMAIL'], recipients: { roles: ['owner'] } }],
      }),
    );
    const before = await settingsOf(project.id);
    const storedBefore = await storedDocument(project.id);
    const projectId = project.id;
    /** A valid rule with `overrides`, which may be anything: the server is to refuse what the schema allows. */
    const rule = (overrides: Record<string, unknown>) =>
      unchecked<NotificationRuleInput>({
        event: 'build.failed',
        channels: ['EMAIL'],
        recipients: { roles: ['admin'] },
        ...overrides,
      });

    const cases: Array<[string, () => Promise<GraphQLResponse<unknown>>, string, string?]> = [
      [
        'an oversized branch',
        () => on.settings.updateDeployment(owner.accessToken, { projectId, productionBranch: 'b'.repeat(256) }),
        'BAD_USER_INPUT',
        'INVALID_INPUT',
      ],
      [
        'a branch git refuses',
        () => on.settings.updateDeployment(owner.accessToken, { projectId, productionBranch: '-f' }),
        'BAD_USER_INPUT',
        'INVALID_BRANCH',
      ],
      [
        'a wildcard production branch',
        () => on.settings.updateDeployment(owner.accessToken, { projectId, productionBranch: 'release-*' }),
        'BAD_USER_INPUT',
        'INVALID_BRANCH',
      ],
      [
        'a null production branch',
        () => on.settings.updateDeployment(owner.accessToken, { projectId, productionBranch: null }),
        'BAD_USER_INPUT',
        'INVALID_INPUT',
      ],
      [
        'an invalid branch pattern',
        () => on.settings.updateDeployment(owner.accessToken, { projectId, autoDeployBranches: ['ok/*', 'a..*'] }),
        'BAD_USER_INPUT',
        'INVALID_BRANCH_PATTERN',
      ],
      [
        'a character class',
        () => on.settings.updateDeployment(owner.accessToken, { projectId, autoDeployBranches: ['v[12]'] }),
        'BAD_USER_INPUT',
        'INVALID_BRANCH_PATTERN',
      ],
      [
        '51 branch patterns',
        () =>
          on.settings.updateDeployment(owner.accessToken, {
            projectId,
            autoDeployBranches: Array.from({ length: 51 }, (_, i) => `b${i}`),
          }),
        'BAD_USER_INPUT',
        'INVALID_INPUT',
      ],
      [
        'an unknown runtime',
        () => on.settings.updateFunctions(owner.accessToken, { projectId, runtime: 'nodejs8' }),
        'BAD_USER_INPUT',
        'UNKNOWN_RUNTIME',
      ],
      [
        'an oversized runtime',
        () => on.settings.updateFunctions(owner.accessToken, { projectId, runtime: 'n'.repeat(33) }),
        'BAD_USER_INPUT',
        'INVALID_INPUT',
      ],
      [
        'too little function memory',
        () => on.settings.updateFunctions(owner.accessToken, { projectId, memoryMb: 64 }),
        'BAD_USER_INPUT',
        'OUT_OF_BOUNDS',
      ],
      [
        'a fractional timeout',
        () => on.settings.updateFunctions(owner.accessToken, { projectId, timeoutSeconds: unchecked<number>(1.5) }),
        'BAD_USER_INPUT',
      ],
      [
        'a huge limit',
        () => on.settings.updateLimits(owner.accessToken, { projectId, maxBuildMemoryMb: 2 ** 31 - 1 }),
        'BAD_USER_INPUT',
        'OUT_OF_BOUNDS',
      ],
      [
        'min above max',
        () => on.settings.updateAutoscaling(owner.accessToken, { projectId, minWarmInstances: 3 }),
        'BAD_USER_INPUT',
        'MIN_ABOVE_MAX',
      ],
      [
        'min above max, both given',
        () => on.settings.updateAutoscaling(owner.accessToken, { projectId, minWarmInstances: 2, maxWarmInstances: 1 }),
        'BAD_USER_INPUT',
        'MIN_ABOVE_MAX',
      ],
      [
        'a negative minimum',
        () => on.settings.updateAutoscaling(owner.accessToken, { projectId, minWarmInstances: -1 }),
        'BAD_USER_INPUT',
        'OUT_OF_BOUNDS',
      ],
      [
        'too high a concurrency',
        () => on.settings.updateAutoscaling(owner.accessToken, { projectId, targetConcurrency: 51 }),
        'BAD_USER_INPUT',
        'OUT_OF_BOUNDS',
      ],
      [
        'an unknown event',
        () =>
          on.settings.updateNotifications(owner.accessToken, { projectId, rules: [rule({ event: 'build.exploded' })] }),
        'BAD_USER_INPUT',
        'UNKNOWN_EVENT',
      ],
      [
        'an unknown event family',
        () => on.settings.updateNotifications(owner.accessToken, { projectId, rules: [rule({ event: 'robot.*' })] }),
        'BAD_USER_INPUT',
        'UNKNOWN_EVENT',
      ],
      [
        'an oversized event',
        () =>
          on.settings.updateNotifications(owner.accessToken, { projectId, rules: [rule({ event: 'e'.repeat(101) })] }),
        'BAD_USER_INPUT',
        'INVALID_INPUT',
      ],
      [
        'an invalid email',
        () =>
          on.settings.updateNotifications(owner.accessToken, {
            projectId,
            rules: [rule({ recipients: { emails: ['not-an-address'] } })],
          }),
        'BAD_USER_INPUT',
        'INVALID_INPUT',
      ],
      [
        'email to no one',
        () => on.settings.updateNotifications(owner.accessToken, { projectId, rules: [rule({ recipients: {} })] }),
        'BAD_USER_INPUT',
        'NO_RECIPIENTS',
      ],
      [
        'no channel',
        () => on.settings.updateNotifications(owner.accessToken, { projectId, rules: [rule({ channels: [] })] }),
        'BAD_USER_INPUT',
        'INVALID_INPUT',
      ],
      [
        'an unknown channel',
        () => on.settings.updateNotifications(owner.accessToken, { projectId, rules: [rule({ channels: ['SMS'] })] }),
        'BAD_USER_INPUT',
      ],
      [
        'a role of no project',
        () =>
          on.settings.updateNotifications(owner.accessToken, {
            projectId,
            rules: [rule({ recipients: { roles: [new Types.ObjectId().toHexString()] } })],
          }),
        'BAD_USER_INPUT',
        'UNKNOWN_RECIPIENT',
      ],
      [
        'an invalid role',
        () =>
          on.settings.updateNotifications(owner.accessToken, {
            projectId,
            rules: [rule({ recipients: { roles: ['superuser'] } })],
          }),
        'BAD_USER_INPUT',
        'INVALID_INPUT',
      ],
      [
        'a user outside the project',
        () =>
          on.settings.updateNotifications(owner.accessToken, {
            projectId,
            rules: [rule({ recipients: { userIds: [outsider.id] } })],
          }),
        'BAD_USER_INPUT',
        'UNKNOWN_RECIPIENT',
      ],
      [
        '51 rules',
        () =>
          on.settings.updateNotifications(owner.accessToken, {
            projectId,
            rules: Array.from({ length: 51 }, () => rule({})),
          }),
        'BAD_USER_INPUT',
        'INVALID_INPUT',
      ],
      [
        '51 emails in a rule',
        () =>
          on.settings.updateNotifications(owner.accessToken, {
            projectId,
            rules: [rule({ recipients: { emails: Array.from({ length: 51 }, (_, i) => `u${i}@example.com`) } })],
          }),
        'BAD_USER_INPUT',
        'INVALID_INPUT',
      ],
      [
        'an unknown field',
        () =>
          on.settings.updateNotifications(owner.accessToken, {
            projectId,
            rules: [rule({ recipients: { roles: ['admin'], teams: ['x'] } })],
          }),
        'BAD_USER_INPUT',
      ],
      [
        'an invalid project id',
        () => on.settings.updateLimits(owner.accessToken, { projectId: 'not-an-id', concurrentBuilds: 2 }),
        'BAD_USER_INPUT',
      ],
    ];
    for (const [what, send, code, reason] of cases) {
      const response = await send();
      expect([what, codeOf(response), ...(reason ? [reasonOf(response)] : [])]).toEqual([
        what,
        code,
        ...(reason ? [reason] : []),
      ]);
    }

    expect(await settingsOf(project.id)).toEqual(before);
    expect(await storedDocument(project.id)).toEqual(storedBefore);
  });

  it('lets a viewer read the settings but not change them, and keeps outsiders out', async () => {
    const project = await createProject(api.url, owner.accessToken);
    const viewer = await registerUser(api.url);
    const developer = await registerUser(api.url);
    const outsider = await registerUser(api.url);
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: viewer.id, roleId: 'viewer' });
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: developer.id, roleId: 'developer' });
    const projectId = project.id;

    expect(await settingsOf(project.id, viewer.accessToken)).toEqual({ projectId, ...DEFAULT_SETTINGS });
    expect(codeOf(await on.settings.get(outsider.accessToken, { projectId }))).toBe('FORBIDDEN');
    expect(codeOf(await on.settings.get(undefined, { projectId }))).toBe('UNAUTHENTICATED');
    for (const caller of [viewer, developer, outsider]) {
      const token = caller.accessToken;
      const refused = [
        await on.settings.updateDeployment(token, { projectId, productionBranch: 'hijacked' }),
        await on.settings.updateFunctions(token, { projectId, runtime: 'go1.21' }),
        await on.settings.updateLimits(token, { projectId, concurrentBuilds: 3 }),
        await on.settings.updateAutoscaling(token, { projectId, maxWarmInstances: 4 }),
        await on.settings.updateNotifications(token, {
          projectId,
          rules: [{ event: '*', channels: ['EMAIL'], recipients: { emails: ['spy@example.com'] } }],
        }),
      ];
      expect(refused.map(codeOf)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    }
    expect(await settingsOf(project.id)).toEqual({ projectId, ...DEFAULT_SETTINGS });
    expect(updatesOf(project.id)).toEqual([]);
  });

  it('includes the groups other modules keep, each behind its own permission', async () => {
    const project = await createProject(api.url, owner.accessToken);
    const viewer = await registerUser(api.url);
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: viewer.id, roleId: 'viewer' });
    const setVar = `mutation ($input: SetEnvVarInput!) { setEnvVar(input: $input) { id } }`;
    ok(
      await gql(
        api.url,
        setVar,
        { input: { projectId: project.id, key: 'A_SECRET', value: 'hunter2-hunter2', type: 'SECRET' } },
        owner.accessToken,
      ),
    );
    ok(
      await gql(
        api.url,
        setVar,
        { input: { projectId: project.id, key: 'PLAIN', value: 'visible', targets: ['PRODUCTION'] } },
        owner.accessToken,
      ),
    );
    const all = `query ($projectId: ID!) {
      projectSettings(projectId: $projectId) {
        projectId
        securitySettings { ipAllowlist rateLimitPerMinute }
        envVars { key target value maskedValue }
        domains { hostname }
      }
    }`;

    const mine = ok(
      await gql<{ projectSettings: Record<string, unknown> }>(
        api.url,
        all,
        { projectId: project.id },
        owner.accessToken,
      ),
    );
    expect(mine.projectSettings).toMatchObject({
      projectId: project.id,
      securitySettings: { ipAllowlist: [] },
      domains: [],
    });
    const vars = mine.projectSettings.envVars as Array<{ key: string; value: string | null }>;
    expect(vars.map((v) => [v.key, v.value])).toEqual([
      ['A_SECRET', null],
      ['A_SECRET', null],
      ['A_SECRET', null],
      ['PLAIN', 'visible'],
    ]);
    expect(JSON.stringify(mine)).not.toContain('hunter2');

    // A viewer reads the settings, but not the variables: that field alone is refused.
    const theirs = await gql<{ projectSettings: Record<string, unknown> }>(
      api.url,
      all,
      { projectId: project.id },
      viewer.accessToken,
    );
    expect(theirs.data!.projectSettings).toMatchObject({ projectId: project.id, envVars: null, domains: [] });
    expect(theirs.errors!.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
      ['projectSettings.envVars', 'FORBIDDEN'],
    ]);
  });

  it('records updates in the audit log, granted and refused', async () => {
    const project = await createProject(api.url, owner.accessToken);
    ok(await on.settings.updateDeployment(owner.accessToken, { projectId: project.id, autoDeployBranches: ['qa/*'] }));
    await on.settings.updateLimits(owner.accessToken, { projectId: project.id, concurrentBuilds: 9 });
    const entries = async (): Promise<AuditLog[]> =>
      ok(await on.audit.logs(owner.accessToken, { projectId: project.id, first: 20 })).auditLogs.edges.map(
        (e) => e.node,
      );

    const logged = await waitFor(
      async () => {
        const found = await entries();
        return found.some((e) => e.operation === 'mutation.updateResourceLimits') ? found : undefined;
      },
      5_000,
      'the audit entries of the updates',
    );

    expect(logged.find((e) => e.operation === 'mutation.updateDeploymentPreferences')).toMatchObject({
      actorId: owner.id,
      projectId: project.id,
      outcome: 'GRANTED',
      arguments: { input: { projectId: project.id, autoDeployBranches: ['qa/*'] } },
    });
    expect(logged.find((e) => e.operation === 'mutation.updateResourceLimits')).toMatchObject({
      outcome: 'FAILED',
      errorCode: 'BAD_USER_INPUT',
      errorReason: 'OUT_OF_BOUNDS',
      arguments: { input: { projectId: project.id, concurrentBuilds: 9 } },
    });
  });

  it("removes a deleted project's settings", async () => {
    const project = await createProject(api.url, owner.accessToken);
    ok(await on.settings.updateLimits(owner.accessToken, { projectId: project.id, concurrentBuilds: 2 }));
    expect(await storedDocument(project.id)).toMatchObject({ limits: { concurrentBuilds: 2 } });

    ok(await on.projects.delete(owner.accessToken, { id: project.id }));

    await waitFor(async () => (await storedDocument(project.id)) === null, 5_000, 'the settings to be removed');
  });
});
