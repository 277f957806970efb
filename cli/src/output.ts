import { CliError } from './errors';

export interface OutputOptions {
  json: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Where a command's output goes. Results go to stdout: human text by default, one JSON document
 * with `--json`. Progress and notes go to stderr, so `--json` output stays parseable. Colours and
 * the spinner appear only on a terminal, never with `NO_COLOR` or `--json`.
 */
export class Output {
  readonly json: boolean;
  /** Colours on stdout (results, log lines). */
  readonly color: boolean;
  /** Colours on stderr (warnings, errors). */
  readonly colorErr: boolean;
  readonly interactive: boolean;
  private readonly stdout: NodeJS.WriteStream;
  private readonly stderr: NodeJS.WriteStream;
  private spinnerText: string | undefined;
  private spinnerTimer: NodeJS.Timeout | undefined;
  private frame = 0;

  constructor(options: OutputOptions) {
    const env = options.env ?? process.env;
    this.json = options.json;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.interactive = !this.json && this.stderr.isTTY === true && env.CI === undefined;
    const colorAllowed = env.NO_COLOR === undefined && env.TERM !== 'dumb';
    this.color = !this.json && this.stdout.isTTY === true && colorAllowed;
    // Warnings and errors go to stderr: coloured when stderr is a terminal, whatever stdout is.
    this.colorErr = this.stderr.isTTY === true && colorAllowed;
  }

  /** The command's result: `human` as text, or `data` as JSON with `--json`. */
  result(data: unknown, human: string | (() => string)): void {
    this.clearSpinner();
    if (this.json) this.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    else {
      const text = typeof human === 'string' ? human : human();
      if (text !== '') this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
  }

  /** A line of the result stream (a log line): written as it comes, in both modes. */
  line(text: string): void {
    this.clearSpinner();
    this.stdout.write(`${text}\n`);
    this.redrawSpinner();
  }

  /** A JSON document per line, for streams under `--json`. */
  jsonLine(data: unknown): void {
    this.stdout.write(`${JSON.stringify(data)}\n`);
  }

  /** A note for the person at the terminal (stderr; silent under `--json`). */
  info(text: string): void {
    if (this.json) return;
    this.clearSpinner();
    this.stderr.write(`${text}\n`);
    this.redrawSpinner();
  }

  /** A warning: always on stderr. */
  warn(text: string): void {
    this.clearSpinner();
    this.stderr.write(`${this.paint('33', 'Warning:', this.colorErr)} ${text}\n`);
    this.redrawSpinner();
  }

  /**
   * Prints a failure: `Error [CODE]: message` on stderr, or `{"error":{code,message}}` on stdout with
   * `--json`; with the API's reason when it gives one (`(reason: NOTHING_TO_ROLL_BACK_TO)`, `reason`).
   */
  failure(error: CliError | { code: string; message: string; reason?: string }): void {
    this.stopSpinner();
    const details = error instanceof CliError && error.details ? error.details : {};
    const reason = 'reason' in error && error.reason ? error.reason : undefined;
    if (this.json) {
      const body = { code: error.code, ...(reason ? { reason } : {}), message: error.message, ...details };
      this.stdout.write(`${JSON.stringify({ error: body })}\n`);
    } else {
      const why = reason ? ` (reason: ${reason})` : '';
      this.stderr.write(`${this.paint('31', 'Error', this.colorErr)} [${error.code}]: ${error.message}${why}\n`);
    }
  }

  /** A spinner with `text` on a terminal; on anything else, `text` once as a plain line (unless --json). */
  spin(text: string): void {
    if (!this.interactive) {
      if (text !== this.spinnerText) this.info(text);
      this.spinnerText = text;
      return;
    }
    this.spinnerText = text;
    this.spinnerTimer ??= setInterval(() => {
      this.frame = (this.frame + 1) % FRAMES.length;
      this.redrawSpinner();
    }, 80);
    this.spinnerTimer.unref();
    this.redrawSpinner();
  }

  /** Stops the spinner and erases its line, so that what comes next starts on a clean line. */
  stopSpinner(): void {
    // Erased while the timer is still set: `clearSpinner` erases only a spinner that is shown.
    this.clearSpinner();
    if (this.spinnerTimer) clearInterval(this.spinnerTimer);
    this.spinnerTimer = undefined;
    this.spinnerText = undefined;
  }

  bold(text: string): string {
    return this.paint('1', text);
  }

  dim(text: string): string {
    return this.paint('2', text);
  }

  green(text: string): string {
    return this.paint('32', text);
  }

  red(text: string): string {
    return this.paint('31', text);
  }

  /** Rows as aligned columns under a header. */
  table(headers: string[], rows: string[][]): string {
    if (rows.length === 0) return '';
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const format = (cells: string[]): string =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
    return [this.bold(format(headers)), ...rows.map(format)].join('\n');
  }

  private paint(code: string, text: string, color = this.color): string {
    return color ? `\u001b[${code}m${text}\u001b[0m` : text;
  }

  private clearSpinner(): void {
    if (this.interactive && this.spinnerTimer) this.stderr.write('\r\u001b[2K');
  }

  private redrawSpinner(): void {
    if (!this.interactive || !this.spinnerTimer || this.spinnerText === undefined) return;
    this.stderr.write(`\r\u001b[2K${FRAMES[this.frame]} ${this.spinnerText}`);
  }
}
