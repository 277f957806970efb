/** How far each pause may be moved, either way, so that endpoints failing together are not retried together. */
export const JITTER = 0.2;

/**
 * The pause before the next attempt of a delivery that has failed `failedAttempts` times, or
 * undefined when the schedule is exhausted and the delivery has failed for good. The first attempt
 * is immediate; pause n follows failed attempt n, varied by up to ±{@link JITTER}.
 */
export function retryDelay(
  scheduleMs: readonly number[],
  failedAttempts: number,
  random: () => number = Math.random,
): number | undefined {
  const base = scheduleMs[failedAttempts - 1];
  if (base === undefined || failedAttempts < 1) return undefined;
  return Math.max(0, Math.round(base * (1 + (random() * 2 - 1) * JITTER)));
}

/** The whole span a delivery is retried over, without jitter. */
export function retrySpan(scheduleMs: readonly number[]): number {
  return scheduleMs.reduce((sum, ms) => sum + ms, 0);
}

/**
 * The longest quiet time inside one failing period of an endpoint: one and a half times the
 * schedule's longest pause (more than any jittered pause). An endpoint failing without a break is
 * tried again within it; a failure after a longer quiet time starts a new period.
 */
export function failingGapMs(scheduleMs: readonly number[]): number {
  return 1.5 * Math.max(0, ...scheduleMs);
}

/**
 * Since when an endpoint has been failing, counting a failure `at`: the period it was in, unless
 * the failure before this one (`lastFailureAt`) is longer ago than {@link failingGapMs} (or there
 * was none), in which case a new period starts now.
 */
export function failingPeriodStart(
  previous: { failingSince: Date | null; lastFailureAt: Date | null },
  at: Date,
  scheduleMs: readonly number[],
): Date {
  const { failingSince, lastFailureAt } = previous;
  if (!failingSince || !lastFailureAt) return at;
  return at.getTime() - lastFailureAt.getTime() > failingGapMs(scheduleMs) ? at : failingSince;
}
