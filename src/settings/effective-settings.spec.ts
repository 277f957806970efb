import { effectiveSettings } from './effective-settings';
import type { PlatformBounds } from './platform-bounds';
import { NotificationChannel } from './project-settings.schema';

const BOUNDS: PlatformBounds = {
  maxBuildTimeoutSeconds: 7200,
  maxBuildMemoryMb: 8192,
  maxFunctionTimeoutSeconds: 900,
  maxFunctionMemoryMb: 4096,
  maxConcurrentBuilds: 20,
  maxWarmInstances: 10,
  maxTargetConcurrency: 1000,
};
const PROJECT = 'a'.repeat(24);

describe('effectiveSettings', () => {
  it("gives a project that set nothing the defaults, its limits the platform's bounds", () => {
    const sut = effectiveSettings(PROJECT, null, BOUNDS);

    expect(JSON.parse(JSON.stringify(sut))).toEqual({
      projectId: PROJECT,
      deployment: { productionBranch: 'main', autoDeployBranches: [], previewDeployments: true },
      functions: { runtime: 'nodejs20', timeoutSeconds: 10, memoryMb: 1024 },
      limits: {
        maxBuildTimeoutSeconds: 7200,
        maxBuildMemoryMb: 8192,
        maxFunctionTimeoutSeconds: 900,
        maxFunctionMemoryMb: 4096,
        concurrentBuilds: 1,
      },
      autoscaling: { minWarmInstances: 0, maxWarmInstances: 1, targetConcurrency: 1 },
      notifications: { rules: [] },
      platformLimits: BOUNDS,
    });
  });

  it('takes what was stored, field by field, and defaults the rest', () => {
    const sut = effectiveSettings(
      PROJECT,
      {
        deployment: { previewDeployments: false },
        limits: { concurrentBuilds: 3 },
        notifications: {
          rules: [
            {
              event: 'build.*',
              channels: [NotificationChannel.EMAIL],
              recipients: { roles: ['admin'], userIds: [], emails: [] },
            },
          ],
        },
      },
      BOUNDS,
    );

    expect(sut.deployment).toEqual({ productionBranch: 'main', autoDeployBranches: [], previewDeployments: false });
    expect(sut.limits).toMatchObject({ concurrentBuilds: 3, maxBuildTimeoutSeconds: 7200 });
    expect(sut.notifications.rules).toEqual([
      { event: 'build.*', channels: ['EMAIL'], recipients: { roles: ['admin'], userIds: [], emails: [] } },
    ]);
  });

  it("holds stored values to bounds the operator lowered since, and the function defaults to the project's limits", () => {
    const lowered = { ...BOUNDS, maxBuildTimeoutSeconds: 600, maxFunctionMemoryMb: 512, maxWarmInstances: 2 };

    const sut = effectiveSettings(
      PROJECT,
      {
        limits: { maxBuildTimeoutSeconds: 3600, concurrentBuilds: 30 },
        functions: { memoryMb: 2048, timeoutSeconds: 30 },
        autoscaling: { minWarmInstances: 5, maxWarmInstances: 8 },
      },
      lowered,
    );

    expect(sut.limits).toMatchObject({ maxBuildTimeoutSeconds: 600, maxFunctionMemoryMb: 512, concurrentBuilds: 20 });
    expect(sut.functions).toMatchObject({ memoryMb: 512, timeoutSeconds: 30 });
    expect(sut.autoscaling).toMatchObject({ minWarmInstances: 2, maxWarmInstances: 2 });
  });
});
