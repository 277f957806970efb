import { Logger, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EXECUTOR, type Executor } from './executor';
import { SandboxExecutor, sandboxUnavailableReason } from './sandbox-executor';
import { UnavailableExecutor } from './unavailable-executor';
import { UnsandboxedExecutor } from './unsandboxed-executor';

const logger = new Logger('Executor');

/**
 * Chooses the executor once, at boot: the sandbox when this machine can build one; when it
 * cannot, an executor that refuses every run, and an error in the log saying why, unless an
 * operator set `SANDBOX=off` explicitly.
 */
export function chooseExecutor(config: AppConfig, unavailableReason = sandboxUnavailableReason): Executor {
  if (config.SANDBOX === 'off') {
    logger.warn(
      "SANDBOX=off: users' code runs without isolation, with the worker's rights; never use it with untrusted code",
    );
    return new UnsandboxedExecutor();
  }
  const why = unavailableReason();
  if (why) {
    logger.error(`Users' code will not run on this worker: ${why}. Set SANDBOX=off to run it without isolation.`);
    return new UnavailableExecutor(why);
  }
  return new SandboxExecutor();
}

@Module({
  providers: [{ provide: EXECUTOR, inject: [AppConfig], useFactory: (config: AppConfig) => chooseExecutor(config) }],
  exports: [EXECUTOR],
})
export class ExecutorModule {}
