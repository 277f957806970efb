import type { AppConfig } from '../config/app-config';
import { SettingsException, SettingsExceptionReason } from './settings.exception';

/** The platform's bounds on what projects may set, from the configuration. */
export interface PlatformBounds {
  maxBuildTimeoutSeconds: number;
  maxBuildMemoryMb: number;
  maxFunctionTimeoutSeconds: number;
  maxFunctionMemoryMb: number;
  maxConcurrentBuilds: number;
  maxWarmInstances: number;
  maxTargetConcurrency: number;
}

export function platformBounds(config: AppConfig): PlatformBounds {
  return {
    maxBuildTimeoutSeconds: config.LIMIT_BUILD_TIMEOUT_SECONDS_MAX,
    maxBuildMemoryMb: config.LIMIT_BUILD_MEMORY_MB_MAX,
    maxFunctionTimeoutSeconds: config.LIMIT_FUNCTION_TIMEOUT_SECONDS_MAX,
    maxFunctionMemoryMb: config.LIMIT_FUNCTION_MEMORY_MB_MAX,
    maxConcurrentBuilds: config.LIMIT_CONCURRENT_BUILDS_MAX,
    maxWarmInstances: config.LIMIT_WARM_INSTANCES_MAX,
    maxTargetConcurrency: config.LIMIT_TARGET_CONCURRENCY_MAX,
  };
}

/**
 * The smallest value each number may have, whatever the configuration: below these nothing
 * useful runs. The configuration's bounds are never lower (AppConfig's own minimums).
 */
export const MINIMUMS = {
  maxBuildTimeoutSeconds: 10,
  maxBuildMemoryMb: 128,
  maxFunctionTimeoutSeconds: 1,
  maxFunctionMemoryMb: 128,
  concurrentBuilds: 1,
  timeoutSeconds: 1,
  memoryMb: 128,
  minWarmInstances: 0,
  maxWarmInstances: 0,
  targetConcurrency: 1,
} as const;

/** An upper bound and whose it is, for the message: "the platform's limit", "the project's limit, …". */
export interface Ceiling {
  value: number;
  of: string;
}

export const platformCeiling = (value: number): Ceiling => ({ value, of: "the platform's limit" });
export const projectCeiling = (value: number, setting: string): Ceiling => ({
  value,
  of: `the project's limit, ${setting}`,
});

/** `value` when it lies in [min, ceiling]; otherwise OUT_OF_BOUNDS with the bound it crosses in the message. */
export function checkWithin(field: string, value: number, min: number, ceiling: Ceiling): number {
  if (value < min) {
    throw new SettingsException(SettingsExceptionReason.OUT_OF_BOUNDS, `${field} must be at least ${min}`, {
      field,
      min,
    });
  }
  if (value > ceiling.value) {
    throw new SettingsException(
      SettingsExceptionReason.OUT_OF_BOUNDS,
      `${field} must be at most ${ceiling.value} (${ceiling.of})`,
      { field, max: ceiling.value },
    );
  }
  return value;
}
