import type { Executor } from '../../executor/executor';
import type { RuntimeInstall } from './runtime-catalog';

export class GoCompiler {
  constructor(
    private readonly executor: Executor,
    private readonly cacheDir: string,
  ) {}

  compile(
    _runtime: RuntimeInstall,
    _hash: string,
    _files: ReadonlyArray<{ path: string; content: string }>,
  ): Promise<{ binary: string } | { error: string; log: string }> {
    return Promise.resolve({ error: `not yet (${this.executor.kind}, ${this.cacheDir})`, log: '' });
  }
}
