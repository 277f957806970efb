import type { Execution, Executor, RunningProcess } from './executor';
import { ExecutorException, ExecutorExceptionReason } from './executor.exception';

/** What a worker that cannot build a sandbox uses: every run is refused with the reason. */
export class UnavailableExecutor implements Executor {
  readonly kind = 'unavailable';

  constructor(private readonly reason: string) {}

  run(): Execution {
    throw this.refusal();
  }

  start(): RunningProcess {
    throw this.refusal();
  }

  private refusal(): ExecutorException {
    return new ExecutorException(
      ExecutorExceptionReason.SANDBOX_UNAVAILABLE,
      `This worker cannot run users' code: ${this.reason}. An operator may set SANDBOX=off to run it without isolation.`,
    );
  }
}
