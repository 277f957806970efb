import { effectiveSettings } from './effective-settings';
import type { PlatformBounds } from './platform-bounds';
import { NotificationChannel } from './project-settings.schema';
import {
  autoscalingChanges,
  deploymentChanges,
  functionDefaultsChanges,
  notificationRule,
  resourceLimitsChanges,
} from './settings-changes';

const BOUNDS: PlatformBounds = {
  maxBuildTimeoutSeconds: 7200,
  maxBuildMemoryMb: 8192,
  maxFunctionTimeoutSeconds: 900,
  maxFunctionMemoryMb: 4096,
  maxConcurrentBuilds: 20,
  maxWarmInstances: 10,
  maxTargetConcurrency: 1000,
};
const projectId = 'b'.repeat(24);
const DEFAULTS = effectiveSettings(projectId, null, BOUNDS);

describe('deploymentChanges', () => {
  it('stores only what was given, tidied, patterns without repeats', () => {
    expect(deploymentChanges({ projectId, productionBranch: ' trunk ' })).toEqual({ productionBranch: 'trunk' });
    expect(
      deploymentChanges({
        projectId,
        autoDeployBranches: ['feature/*', ' feature/* ', 'staging'],
        previewDeployments: false,
      }),
    ).toEqual({ autoDeployBranches: ['feature/*', 'staging'], previewDeployments: false });
    expect(deploymentChanges({ projectId })).toEqual({});
  });

  it('refuses a production branch with a wildcard, and a broken pattern', () => {
    expect(() => deploymentChanges({ projectId, productionBranch: 'release-*' })).toThrow(
      expect.objectContaining({ reason: 'INVALID_BRANCH' }),
    );
    expect(() => deploymentChanges({ projectId, autoDeployBranches: ['ok', '-x*'] })).toThrow(
      expect.objectContaining({ reason: 'INVALID_BRANCH_PATTERN' }),
    );
  });
});

describe('functionDefaultsChanges', () => {
  it('takes a known runtime and numbers within the project limits', () => {
    expect(
      functionDefaultsChanges(DEFAULTS, { projectId, runtime: 'python3.11', timeoutSeconds: 900, memoryMb: 128 }),
    ).toEqual({
      runtime: 'python3.11',
      timeoutSeconds: 900,
      memoryMb: 128,
    });
  });

  it('refuses an unknown runtime, listing the known ones', () => {
    expect(() => functionDefaultsChanges(DEFAULTS, { projectId, runtime: 'cobol85' })).toThrow(
      expect.objectContaining({
        reason: 'UNKNOWN_RUNTIME',
        message:
          '"cobol85" is not a runtime: name one of nodejs18, nodejs20, nodejs22, python3.9, python3.11, go1.21, ruby3.2',
      }),
    );
  });

  it("refuses a default above the project's limit, with the limit in the message", () => {
    const limited = effectiveSettings(projectId, { limits: { maxFunctionTimeoutSeconds: 60 } }, BOUNDS);

    expect(() => functionDefaultsChanges(limited, { projectId, timeoutSeconds: 61 })).toThrow(
      expect.objectContaining({
        reason: 'OUT_OF_BOUNDS',
        message: "timeoutSeconds must be at most 60 (the project's limit, maxFunctionTimeoutSeconds)",
      }),
    );
    expect(() => functionDefaultsChanges(DEFAULTS, { projectId, memoryMb: 64 })).toThrow(
      expect.objectContaining({ message: 'memoryMb must be at least 128' }),
    );
  });
});

describe('resourceLimitsChanges', () => {
  it("takes limits within the platform's bounds", () => {
    expect(
      resourceLimitsChanges(DEFAULTS, { projectId, maxBuildTimeoutSeconds: 7200, concurrentBuilds: 20 }, BOUNDS),
    ).toEqual({ maxBuildTimeoutSeconds: 7200, concurrentBuilds: 20 });
  });

  it.each([
    ['maxBuildTimeoutSeconds', 7201, "maxBuildTimeoutSeconds must be at most 7200 (the platform's limit)"],
    ['maxBuildTimeoutSeconds', 9, 'maxBuildTimeoutSeconds must be at least 10'],
    ['maxBuildMemoryMb', 8193, "maxBuildMemoryMb must be at most 8192 (the platform's limit)"],
    ['maxFunctionTimeoutSeconds', 901, "maxFunctionTimeoutSeconds must be at most 900 (the platform's limit)"],
    ['maxFunctionMemoryMb', 4097, "maxFunctionMemoryMb must be at most 4096 (the platform's limit)"],
    ['concurrentBuilds', 21, "concurrentBuilds must be at most 20 (the platform's limit)"],
    ['concurrentBuilds', 0, 'concurrentBuilds must be at least 1'],
  ])('refuses %s = %s', (field, value, message) => {
    expect(() => resourceLimitsChanges(DEFAULTS, { projectId, [field]: value }, BOUNDS)).toThrow(
      expect.objectContaining({ reason: 'OUT_OF_BOUNDS', message }),
    );
  });

  it('refuses, as a conflict, a function limit below what the function defaults use', () => {
    expect(() => resourceLimitsChanges(DEFAULTS, { projectId, maxFunctionMemoryMb: 512 }, BOUNDS)).toThrow(
      expect.objectContaining({
        reason: 'LIMIT_IN_USE',
        code: 'CONFLICT',
        message:
          "maxFunctionMemoryMb cannot be 512: the function defaults' memoryMb is 1024; lower it first (updateFunctionDefaults)",
      }),
    );
    expect(resourceLimitsChanges(DEFAULTS, { projectId, maxFunctionTimeoutSeconds: 10 }, BOUNDS)).toEqual({
      maxFunctionTimeoutSeconds: 10,
    });
  });
});

describe('autoscalingChanges', () => {
  it('compares a new minimum with the stored maximum, and the other way round', () => {
    const current = effectiveSettings(projectId, { autoscaling: { minWarmInstances: 2, maxWarmInstances: 5 } }, BOUNDS);

    expect(autoscalingChanges(current, { projectId, minWarmInstances: 5 }, BOUNDS)).toEqual({ minWarmInstances: 5 });
    expect(() => autoscalingChanges(current, { projectId, minWarmInstances: 6 }, BOUNDS)).toThrow(
      expect.objectContaining({
        reason: 'MIN_ABOVE_MAX',
        message: 'minWarmInstances (6) cannot be more than maxWarmInstances (5)',
      }),
    );
    expect(() => autoscalingChanges(current, { projectId, maxWarmInstances: 1 }, BOUNDS)).toThrow(
      expect.objectContaining({ reason: 'MIN_ABOVE_MAX' }),
    );
    expect(autoscalingChanges(current, { projectId, minWarmInstances: 0, maxWarmInstances: 0 }, BOUNDS)).toEqual({
      minWarmInstances: 0,
      maxWarmInstances: 0,
    });
  });

  it("holds each number to the platform's bounds", () => {
    expect(() => autoscalingChanges(DEFAULTS, { projectId, maxWarmInstances: 11 }, BOUNDS)).toThrow(
      expect.objectContaining({ message: "maxWarmInstances must be at most 10 (the platform's limit)" }),
    );
    expect(() => autoscalingChanges(DEFAULTS, { projectId, targetConcurrency: 0 }, BOUNDS)).toThrow(
      expect.objectContaining({ message: 'targetConcurrency must be at least 1' }),
    );
    expect(() => autoscalingChanges(DEFAULTS, { projectId, minWarmInstances: -1 }, BOUNDS)).toThrow(
      expect.objectContaining({ message: 'minWarmInstances must be at least 0' }),
    );
  });
});

describe('notificationRule', () => {
  it('keeps each channel and recipient once, ids canonical and addresses lower-cased', () => {
    const customRole = 'C'.repeat(24);

    expect(
      notificationRule({
        event: ' build.failed ',
        channels: [NotificationChannel.EMAIL, NotificationChannel.EMAIL, NotificationChannel.WEBHOOK],
        recipients: {
          roles: ['admin', customRole, 'admin'],
          userIds: ['D'.repeat(24), 'd'.repeat(24)],
          emails: ['Ops@Example.com', 'ops@example.com'],
        },
      }),
    ).toEqual({
      event: 'build.failed',
      channels: ['EMAIL', 'WEBHOOK'],
      recipients: { roles: ['admin', 'c'.repeat(24)], userIds: ['d'.repeat(24)], emails: ['ops@example.com'] },
    });
  });

  it('refuses an unknown event, and email to no one; a webhook needs no recipients', () => {
    expect(() => notificationRule({ event: 'build.exploded', channels: [NotificationChannel.WEBHOOK] })).toThrow(
      expect.objectContaining({ reason: 'UNKNOWN_EVENT' }),
    );
    expect(() => notificationRule({ event: 'alert.*', channels: [NotificationChannel.EMAIL], recipients: {} })).toThrow(
      expect.objectContaining({ reason: 'NO_RECIPIENTS' }),
    );
    expect(notificationRule({ event: '*', channels: [NotificationChannel.WEBHOOK] })).toEqual({
      event: '*',
      channels: ['WEBHOOK'],
      recipients: { roles: [], userIds: [], emails: [] },
    });
  });
});
