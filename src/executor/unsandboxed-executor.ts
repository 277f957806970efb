import path from 'node:path';
import type { Execution, ExecutionSpec, Executor, ProcessSpec, RunningProcess } from './executor';
import { executionEnvironment, processEnvironment } from './environment';
import {
  limitedChain,
  pidNamespacesAvailable,
  rlimitChain,
  runProcessTree,
  startProcessTree,
  tetherChain,
} from './process-tree';

/**
 * Runs commands as plain child processes of the worker, in their workspace, with an environment
 * built from scratch and the same rlimits, but without isolation: they can read what the worker
 * can. Used only when `SANDBOX=off` is set explicitly, for machines that cannot build a sandbox.
 */
export class UnsandboxedExecutor implements Executor {
  readonly kind = 'unsandboxed';
  /** Without user namespaces (the machines this is for), only the chain's first process dies with the worker. */
  private readonly pidNamespace = pidNamespacesAvailable();

  run(spec: ExecutionSpec): Execution {
    const cwd = path.join(spec.workspace, path.posix.normalize(`/${spec.cwd ?? ''}`));
    return runProcessTree(
      (statsFile) =>
        limitedChain(spec, statsFile, undefined, this.pidNamespace, [
          '/bin/sh',
          '-c',
          `cd "$SLIPWAY_CWD" && unset SLIPWAY_CWD && exec /bin/sh -c "$0"`,
          spec.command,
        ]),
      spec,
      { ...executionEnvironment(spec, spec.workspace), SLIPWAY_CWD: cwd },
    );
  }

  /** The binds cannot be made without a sandbox: the paths in argv and cwd are read through them instead. */
  start(spec: ProcessSpec): RunningProcess {
    const onHost = (value: string): string => {
      for (const bind of spec.binds) {
        if (value === bind.target || value.startsWith(`${bind.target}/`)) {
          return bind.source + value.slice(bind.target.length);
        }
      }
      return value;
    };
    return startProcessTree(
      [
        ...tetherChain(undefined, this.pidNamespace),
        ...rlimitChain(spec.limits),
        '/bin/sh',
        '-c',
        'cd "$SLIPWAY_CWD" && unset SLIPWAY_CWD && exec "$@"',
        'sh',
        ...spec.argv.map(onHost),
      ],
      { ...processEnvironment(spec.env, '/tmp'), SLIPWAY_CWD: onHost(spec.cwd) },
      { programDepth: this.pidNamespace ? 1 : 0 },
    );
  }
}
