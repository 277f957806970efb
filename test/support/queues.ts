import type { Job, JobStatus, Queue } from 'bull';
import { waitFor } from './graphql-client';

/**
 * Resolves with a job's return value once it completes, and rejects with its failure. Gives up
 * after `timeoutMs`, naming the state the job was left in.
 */
export async function waitForJob<R = unknown>(job: Job, timeoutMs = 10_000): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      void job
        .getState()
        .then(
          (state) => reject(new Error(`Job ${job.id} (${job.name}) was still ${state} after ${timeoutMs} ms`)),
          reject,
        );
    }, timeoutMs);
  });
  try {
    return (await Promise.race([job.finished(), timedOut])) as R;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until a job reaches `state`, e.g. `active` to act while it runs. */
export async function waitForJobState(job: Job, state: JobStatus, timeoutMs = 10_000): Promise<void> {
  await waitFor(async () => (await job.getState()) === state, timeoutMs, `job ${job.id} (${job.name}) to be ${state}`);
}

/**
 * Resolves once a queue has nothing waiting, running or delayed, so a test can go on when the
 * work it caused is done instead of sleeping. The next run of a repeatable job stays delayed for
 * ever, so it is not counted: it is a schedule, not pending work.
 */
export async function waitForQueueIdle(queue: Queue, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    async () => {
      const counts = await queue.getJobCounts();
      if (counts.waiting > 0 || counts.active > 0) return false;
      if (counts.delayed === 0) return true;
      const delayed = await queue.getDelayed();
      return delayed.every((job) => job.opts.repeat !== undefined);
    },
    timeoutMs,
    `queue ${queue.name} to be idle`,
  );
}
