import { spawn } from 'node:child_process';
import { pipeline, Transform, type Readable, type Writable } from 'node:stream';
import { scrub } from './sql-values';

/** How one run of an engine's client program (pg_dump, psql, mariadb-dump, mariadb) is set up. */
export interface ProgramRun {
  readonly command: string;
  /** Never a credential: those go in `env`. */
  readonly args: readonly string[];
  /** The whole environment of the program (the platform's own is not passed on). */
  readonly env: Readonly<Record<string, string>>;
  /** Fed to the program's standard input; its bytes are counted for `progress`. */
  readonly input?: Readable;
  readonly progress?: (bytesRead: number) => void;
  /** Where the program's standard output goes, through `filter` when given; never ended here. */
  readonly output?: Writable;
  readonly filter?: Transform;
  /** Removed from any message about the run. */
  readonly secrets: readonly string[];
}

const STDERR_KEPT = 4_096;

/** The environment every client program gets besides its own settings: where programs are, and a plain locale. */
export function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
}

/**
 * Runs the program and resolves once it exited with 0 and all of its output was handed to
 * `output`. Rejects with its exit status and the last lines it wrote to stderr (secrets removed)
 * otherwise, or with the input's error when the input fails (the program is then killed).
 */
export function runProgram(run: ProgramRun): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(run.command, [...run.args], {
      env: run.env,
      stdio: [run.input ? 'pipe' : 'ignore', run.output ? 'pipe' : 'ignore', 'pipe'],
    });
    let stderr = '';
    let failure: Error | undefined;
    let settled = false;
    let childClosed = false;
    const fail = (error: Error): void => {
      if (!failure) failure = error;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      // What it wrote and nobody will read must not keep its 'close' from coming.
      child.stdout?.destroy();
    };
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve();
    };

    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_KEPT);
    });

    let outputDone: Promise<void> = Promise.resolve();
    if (run.output && child.stdout) {
      const output = run.output;
      const source: Readable = run.filter ? child.stdout.pipe(run.filter) : child.stdout;
      if (run.filter) run.filter.on('error', fail);
      outputDone = new Promise<void>((done) => source.once('end', done));
      source.pipe(output, { end: false });
      const onOutputError = (error: Error): void => fail(error);
      // A destroyed output takes no more and never drains: the program would wait for ever.
      const onOutputClose = (): void => fail(output.errored ?? new Error('The output closed before the program ended'));
      output.on('error', onOutputError);
      output.on('close', onOutputClose);
      if (output.destroyed) onOutputClose();
      child.once('close', () => {
        output.off('error', onOutputError);
        output.off('close', onOutputClose);
      });
    }

    if (run.input && child.stdin) {
      const input = run.input;
      const stdin = child.stdin;
      let bytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          run.progress?.(bytes);
          callback(null, chunk);
        },
      });
      // The program may stop reading early (it failed): its exit status says why, not EPIPE.
      // The pipeline then destroys the input too: that is not the input's failure.
      let stoppedReading = false;
      stdin.on('error', () => {
        stoppedReading = true;
      });
      stdin.on('close', () => {
        if (!input.readableEnded) stoppedReading = true;
      });
      // An input that fails or closes before its end kills the program before its standard input
      // is closed: it must never take a cut input for a whole one (these listeners come first).
      const cut = (): Error | null =>
        input.errored ??
        (input.destroyed && !input.readableEnded ? new Error('The input closed before its end') : null);
      const onInputGone = (): void => {
        const error = cut();
        if (error && !childClosed && !stoppedReading) fail(error);
      };
      input.on('error', onInputGone);
      input.on('close', onInputGone);
      onInputGone();
      pipeline(input, counter, stdin, () => onInputGone());
    }

    child.once('error', (error: NodeJS.ErrnoException) => {
      fail(
        error.code === 'ENOENT'
          ? new Error(`${run.command} is not installed on this server`)
          : new Error(`${run.command} could not be started: ${error.message}`),
      );
      finish(failure);
    });

    child.once('close', (code, signal) => {
      childClosed = true;
      // The program failed: whatever of the input it did not read is of no use now.
      if ((failure || code !== 0) && run.input && !run.input.readableEnded) run.input.destroy();
      if (failure) return finish(failure);
      void outputDone.then(() => {
        if (failure) return finish(failure);
        if (code === 0) return finish();
        const lines = scrub(stderr, run.secrets)
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line.length > 0)
          .slice(-5)
          .join('; ');
        const status = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${code}`;
        finish(new Error(`${run.command} ${status}${lines ? `: ${lines}` : ''}`));
      });
    });
  });
}
