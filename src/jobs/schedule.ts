import type { Queue } from 'bull';

/**
 * Runs `name` on `queue` every `everyMs`, once across all workers: the repeatable job has a
 * fixed id, so every worker that schedules it at boot schedules the same one.
 */
export async function scheduleEvery<P extends object>(
  queue: Queue,
  name: string,
  payload: P,
  everyMs: number,
): Promise<void> {
  await queue.add(name, payload, { repeat: { every: everyMs }, jobId: name, removeOnComplete: true });
}
