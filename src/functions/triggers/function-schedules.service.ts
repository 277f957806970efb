import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { createHash } from 'node:crypto';
import type { FunctionRecord } from '../function.schema';
import { FunctionsService } from '../functions.service';
import { FUNCTIONS_QUEUE, FunctionJob, type FunctionJobPayloads } from '../jobs/function-jobs';

/**
 * Bull keys repeatable jobs by `name:jobId:end:tz:cron` and splits that key on colons: the job's id
 * holds none, only the function, the schedule's place and a digest of the schedule.
 */
const jobIdPrefix = (functionId: string): string => `cron-${functionId}-`;
const jobIdOf = (functionId: string, index: number, schedule: { cron: string; timezone: string }): string =>
  `${jobIdPrefix(functionId)}${index}-${createHash('sha256').update(`${schedule.cron}\n${schedule.timezone}`).digest('hex').slice(0, 16)}`;

/**
 * Cron triggers: each schedule of each enabled function is a Bull repeatable job in the functions
 * queue, in the schedule's time zone, so that exactly one worker invokes the function each time it
 * comes due, however many workers there are. A function's jobs are made again whenever it changes.
 */
@Injectable()
export class FunctionSchedulesService {
  private readonly logger = new Logger(FunctionSchedulesService.name);

  constructor(
    @InjectQueue(FUNCTIONS_QUEUE) private readonly queue: Queue<FunctionJobPayloads[FunctionJob.SCHEDULE]>,
    private readonly functions: FunctionsService,
  ) {}

  /** Makes the function's repeatable jobs match its schedules (none when it is gone or disabled). */
  async sync(functionId: string): Promise<void> {
    const record = await this.functions.record(functionId).catch(() => null);
    await this.replace(functionId, record);
  }

  /** Makes every function's jobs match its schedules, and removes the jobs of functions that are gone. */
  async syncAll(): Promise<void> {
    const scheduled = await this.functions.scheduled();
    const known = new Set(scheduled.map((record) => record._id.toHexString()));
    for (const job of await this.queue.getRepeatableJobs()) {
      const functionId = /^cron-([0-9a-f]{24})-/.exec(job.id ?? '')?.[1];
      if (functionId && !known.has(functionId)) await this.queue.removeRepeatableByKey(job.key);
    }
    for (const record of scheduled) await this.replace(record._id.toHexString(), record);
  }

  private async replace(functionId: string, record: FunctionRecord | null): Promise<void> {
    const prefix = jobIdPrefix(functionId);
    const wanted = record?.enabled ? record.schedules : [];
    const wantedIds = new Set(wanted.map((schedule, i) => jobIdOf(functionId, i, schedule)));
    const existing = (await this.queue.getRepeatableJobs()).filter((job) => job.id?.startsWith(prefix));
    for (const job of existing) if (!wantedIds.has(job.id!)) await this.queue.removeRepeatableByKey(job.key);
    const have = new Set(existing.map((job) => job.id));
    for (const [i, schedule] of wanted.entries()) {
      const jobId = jobIdOf(functionId, i, schedule);
      if (have.has(jobId)) continue;
      await this.queue.add(
        FunctionJob.SCHEDULE,
        { functionId, cron: schedule.cron, timezone: schedule.timezone },
        { jobId, repeat: { cron: schedule.cron, tz: schedule.timezone }, removeOnComplete: true, removeOnFail: 20 },
      );
      this.logger.debug(`Scheduled ${functionId} at "${schedule.cron}" (${schedule.timezone})`);
    }
  }
}
