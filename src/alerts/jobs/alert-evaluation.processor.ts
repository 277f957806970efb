import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { AlertEvaluatorService } from '../alert-evaluator.service';
import { ALERTS_QUEUE, AlertJob, type AlertJobPayloads } from './alert-jobs';

@Processor(ALERTS_QUEUE)
export class AlertEvaluationProcessor {
  private readonly logger = new Logger(AlertEvaluationProcessor.name);

  constructor(private readonly evaluator: AlertEvaluatorService) {}

  /** Idempotent within a tick: a rule is claimed for the tick before it is evaluated, by one run only. */
  @Process(AlertJob.EVALUATE)
  async evaluate(job: Job<AlertJobPayloads[AlertJob.EVALUATE]>): Promise<{ tick: number; evaluated: number }> {
    const outcome = await this.evaluator.evaluateDue();
    if (outcome.evaluated > 0) this.logger.debug(`Evaluated ${outcome.evaluated} alert rules (job ${job.id})`);
    return outcome;
  }
}
