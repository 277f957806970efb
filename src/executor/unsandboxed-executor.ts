import path from 'node:path';
import type { Execution, ExecutionSpec, Executor } from './executor';
import { executionEnvironment } from './environment';
import { limitedChain, runProcessTree } from './process-tree';

/**
 * Runs commands as plain child processes of the worker, in their workspace, with an environment
 * built from scratch and the same rlimits, but without isolation: they can read what the worker
 * can. Used only when `SANDBOX=off` is set explicitly, for machines that cannot build a sandbox.
 */
export class UnsandboxedExecutor implements Executor {
  readonly kind = 'unsandboxed';

  run(spec: ExecutionSpec): Execution {
    const cwd = path.join(spec.workspace, path.posix.normalize(`/${spec.cwd ?? ''}`));
    return runProcessTree(
      (statsFile) =>
        limitedChain(spec, statsFile, undefined, [
          '/bin/sh',
          '-c',
          `cd "$SLIPWAY_CWD" && unset SLIPWAY_CWD && exec /bin/sh -c "$0"`,
          spec.command,
        ]),
      spec,
      { ...executionEnvironment(spec, spec.workspace), SLIPWAY_CWD: cwd },
    );
  }
}
