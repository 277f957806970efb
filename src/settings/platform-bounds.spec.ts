import { loadConfig } from '../config/app-config';
import { checkWithin, platformBounds, platformCeiling, projectCeiling } from './platform-bounds';

describe('platformBounds', () => {
  it('reads each bound from its configuration key', () => {
    const config = loadConfig({
      MONGODB_URI: 'mongodb://127.0.0.1/x',
      REDIS_URL: 'redis://127.0.0.1',
      LIMIT_BUILD_TIMEOUT_SECONDS_MAX: '600',
      LIMIT_BUILD_MEMORY_MB_MAX: '2048',
      LIMIT_FUNCTION_TIMEOUT_SECONDS_MAX: '60',
      LIMIT_FUNCTION_MEMORY_MB_MAX: '512',
      LIMIT_CONCURRENT_BUILDS_MAX: '3',
      LIMIT_WARM_INSTANCES_MAX: '4',
      LIMIT_TARGET_CONCURRENCY_MAX: '50',
    });

    expect(platformBounds(config)).toEqual({
      maxBuildTimeoutSeconds: 600,
      maxBuildMemoryMb: 2048,
      maxFunctionTimeoutSeconds: 60,
      maxFunctionMemoryMb: 512,
      maxConcurrentBuilds: 3,
      maxWarmInstances: 4,
      maxTargetConcurrency: 50,
    });
  });
});

describe('checkWithin', () => {
  it('returns a value within its bounds, both ends included', () => {
    expect(checkWithin('concurrentBuilds', 1, 1, platformCeiling(5))).toBe(1);
    expect(checkWithin('concurrentBuilds', 5, 1, platformCeiling(5))).toBe(5);
  });

  it("refuses a value above the platform's bound, naming the bound and whose it is", () => {
    expect(() => checkWithin('maxBuildTimeoutSeconds', 7201, 10, platformCeiling(7200))).toThrow(
      expect.objectContaining({
        reason: 'OUT_OF_BOUNDS',
        code: 'BAD_USER_INPUT',
        message: "maxBuildTimeoutSeconds must be at most 7200 (the platform's limit)",
        details: { field: 'maxBuildTimeoutSeconds', max: 7200 },
      }),
    );
  });

  it("refuses a value above the project's own limit, naming the limit", () => {
    expect(() => checkWithin('memoryMb', 2048, 128, projectCeiling(1024, 'maxFunctionMemoryMb'))).toThrow(
      expect.objectContaining({
        message: "memoryMb must be at most 1024 (the project's limit, maxFunctionMemoryMb)",
      }),
    );
  });

  it('refuses a value below the minimum', () => {
    expect(() => checkWithin('timeoutSeconds', 0, 1, platformCeiling(900))).toThrow(
      expect.objectContaining({ reason: 'OUT_OF_BOUNDS', message: 'timeoutSeconds must be at least 1' }),
    );
  });
});
