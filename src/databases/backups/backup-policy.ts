import { parseExpression } from 'cron-parser';
import { DatabaseException, DatabaseExceptionReason } from '../database.exception';
import { BackupStatus } from './database-backup.schema';

export const KEEP_LAST_MAX = 1_000;
export const KEEP_DAYS_MAX = 3_650;
const DAY_MS = 86_400_000;
/** Fire times looked at, at most, to find a schedule's shortest gap. */
const GAP_SAMPLES = 200;
/** How far ahead fire times are looked at, at least: a week and a day covers daily and weekly patterns. */
const GAP_SPAN_MS = 8 * DAY_MS;
/** Month ends looked at besides: those of the next year and a month. */
const MONTH_ENDS = 13;
/** Fire times looked at, at most, around each month end. */
const MONTH_END_SAMPLES = 50;

export interface ScheduleRequest {
  cron: string;
  timezone: string;
  keepLast?: number | null;
  keepDays?: number | null;
}

export interface CheckedSchedule {
  cron: string;
  timezone: string;
  keepLast: number | null;
  keepDays: number | null;
}

function checkTimezone(timezone: string): void {
  try {
    if (timezone.trim() !== timezone || timezone === '') throw new Error('blank');
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new DatabaseException(
      DatabaseExceptionReason.INVALID_TIMEZONE,
      `"${timezone.slice(0, 64)}" is not an IANA time zone (such as UTC or Europe/Paris)`,
    );
  }
}

function invalidSchedule(cron: string, why: string): DatabaseException {
  return new DatabaseException(
    DatabaseExceptionReason.INVALID_SCHEDULE,
    `"${cron.slice(0, 100)}" is not a usable backup schedule: ${why}`,
  );
}

/** The shortest gap between the fire times from `from` on, walking `spanMs` and at most `samples` of them. */
function gapsFrom(
  cron: string,
  timezone: string,
  from: Date,
  spanMs: number,
  samples: number,
  stopBelow: number,
): number {
  const times = parseExpression(cron, { tz: timezone, currentDate: from });
  const until = from.getTime() + spanMs;
  let previous: number | undefined;
  let shortest = Infinity;
  for (let i = 0; i < samples && times.hasNext(); i++) {
    const at = times.next().getTime();
    if (previous !== undefined) shortest = Math.min(shortest, (at - previous) / 1_000);
    if (shortest < stopBelow) break;
    // Two times past the span: the gap between them counts too.
    if (previous !== undefined && previous > until) break;
    previous = at;
  }
  return shortest;
}

function isEveryDay(field: string | undefined): boolean {
  return field === '*' || field === '?';
}

/**
 * The shortest time between two of the schedule's next fire times, in seconds (Infinity when it
 * fires at most once). Looks at the fire times of the next eight days (or `spanMs`, when longer),
 * at most GAP_SAMPLES of them: short gaps within a day or a week show there. Then around each
 * month end of the next year and a month, where days of the month meet (the 31st at 23:59, then
 * the 1st at 00:00; leap days). cron-parser takes milliseconds per time in a zone, so a daily
 * schedule is not walked for months. Stops as soon as a gap is shorter than `stopBelow`.
 */
export function shortestGapSeconds(
  cron: string,
  timezone: string,
  from = new Date(),
  spanMs = GAP_SPAN_MS,
  stopBelow = 0,
): number {
  let shortest = gapsFrom(cron, timezone, from, Math.max(spanMs, GAP_SPAN_MS), GAP_SAMPLES, stopBelow);
  // Firing every day of its months, a schedule meets itself across month ends as across any night.
  const fields = cron.trim().split(/\s+/);
  const [dayOfMonth, , dayOfWeek] = fields.slice(-3);
  if (isEveryDay(dayOfMonth) && isEveryDay(dayOfWeek)) return shortest;
  for (let month = 1; month <= MONTH_ENDS && shortest >= stopBelow; month++) {
    // Two days before the 1st in UTC: the month end in any zone lies within the next four days.
    const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + month, 1) - 2 * DAY_MS;
    if (start < from.getTime()) continue;
    shortest = Math.min(shortest, gapsFrom(cron, timezone, new Date(start), 4 * DAY_MS, MONTH_END_SAMPLES, stopBelow));
  }
  return shortest;
}

/**
 * Checks a schedule: the zone (INVALID_TIMEZONE), the cron (five fields, or six with seconds
 * first) and its pace, no faster than `minIntervalSeconds` (INVALID_SCHEDULE), and the retention
 * (INVALID_RETENTION: keepLast 1..1000 and/or keepDays 1..3650, at least one of them).
 */
export function checkSchedule(request: ScheduleRequest, minIntervalSeconds: number, now = new Date()): CheckedSchedule {
  const cron = request.cron.trim().replace(/\s+/g, ' ');
  checkTimezone(request.timezone);
  const fields = cron === '' ? 0 : cron.split(' ').length;
  if (fields < 5 || fields > 6) throw invalidSchedule(cron, 'it needs five fields, or six with seconds first');
  let gap: number;
  try {
    parseExpression(cron, { tz: request.timezone, currentDate: now }).next();
    gap = shortestGapSeconds(cron, request.timezone, now, 4 * minIntervalSeconds * 1_000, minIntervalSeconds);
  } catch (error) {
    throw invalidSchedule(cron, (error as Error).message.slice(0, 200));
  }
  if (gap < minIntervalSeconds) {
    throw invalidSchedule(
      cron,
      `it fires every ${gap} s at times; backups may run at most every ${minIntervalSeconds} s`,
    );
  }
  const keepLast = request.keepLast ?? null;
  const keepDays = request.keepDays ?? null;
  if (keepLast === null && keepDays === null) {
    throw new DatabaseException(
      DatabaseExceptionReason.INVALID_RETENTION,
      'Say how long backups are kept: keepLast (1 to 1000), keepDays (1 to 3650), or both',
    );
  }
  if (keepLast !== null && (!Number.isInteger(keepLast) || keepLast < 1 || keepLast > KEEP_LAST_MAX)) {
    throw new DatabaseException(
      DatabaseExceptionReason.INVALID_RETENTION,
      `keepLast must be a whole number from 1 to ${KEEP_LAST_MAX}`,
    );
  }
  if (keepDays !== null && (!Number.isInteger(keepDays) || keepDays < 1 || keepDays > KEEP_DAYS_MAX)) {
    throw new DatabaseException(
      DatabaseExceptionReason.INVALID_RETENTION,
      `keepDays must be a whole number from 1 to ${KEEP_DAYS_MAX}`,
    );
  }
  return { cron, timezone: request.timezone, keepLast, keepDays };
}

/** When the schedule fires next after `now`; null when it never does again. */
export function nextRunAt(cron: string, timezone: string, now = new Date()): Date | null {
  try {
    const times = parseExpression(cron, { tz: timezone, currentDate: now });
    return times.hasNext() ? times.next().toDate() : null;
  } catch {
    return null;
  }
}

/** What retention looks at of a backup. */
export interface RetainedBackup {
  id: string;
  status: BackupStatus;
  /** When it started: the order of backups (newest first). */
  startedAt: Date;
}

export interface Retention {
  keepLast: number | null;
  keepDays: number | null;
}

/**
 * The backups retention removes, after `justMade` succeeded. Of the SUCCEEDED backups, those past
 * the `keepLast` newest and those started more than `keepDays` days ago; FAILED ones started before
 * the newest success (it replaces them); never a RUNNING one, and never `justMade`. Manual and
 * scheduled backups count alike.
 */
export function expiredBackups(
  backups: readonly RetainedBackup[],
  retention: Retention,
  justMade: string,
  now = new Date(),
): string[] {
  const newestFirst = [...backups].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  const succeeded = newestFirst.filter((backup) => backup.status === BackupStatus.SUCCEEDED);
  const newestSuccess = succeeded[0];
  const oldestKept = retention.keepDays === null ? null : now.getTime() - retention.keepDays * DAY_MS;
  const expired: string[] = [];
  succeeded.forEach((backup, index) => {
    const tooMany = retention.keepLast !== null && index >= retention.keepLast;
    const tooOld = oldestKept !== null && backup.startedAt.getTime() < oldestKept;
    if ((tooMany || tooOld) && backup.id !== justMade) expired.push(backup.id);
  });
  if (newestSuccess) {
    for (const backup of newestFirst) {
      if (backup.status !== BackupStatus.FAILED || backup.id === justMade) continue;
      if (backup.startedAt.getTime() < newestSuccess.startedAt.getTime()) expired.push(backup.id);
    }
  }
  return expired;
}
