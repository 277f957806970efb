/** Exit statuses: 0 done, 1 failed (an API error, a failed build), 2 the command line was wrong. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** Interrupted by the user (Ctrl-C at a prompt), as a shell reports SIGINT. */
export const EXIT_CANCELED = 130;

/** A failure the CLI explains itself: `code` is printed beside the message and in `--json` output. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode: number = EXIT_FAILURE,
    /** More about the failure, beside code and message in `--json` output. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
