import { Command, CommanderError, Option } from 'commander';
import { SlipwayError } from '../../client/src';
import { Context, type GlobalOptions } from './context';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './errors';
import { Output } from './output';

/** A command's action: gets the context and the command's own arguments; returns an exit status or nothing (0). */
export type Action<A extends unknown[]> = (ctx: Context, ...args: A) => Promise<number | void>;

/** Exit status of the last action: commander's own handlers cannot return one. */
let exitStatus = 0;
/** Whether the command line asks for JSON, for the errors commander reports before any action runs. */
let jsonRequested = false;

/**
 * Wraps an action: builds the context from the global options, runs it, and turns every failure
 * into a message with its code (`Error [FORBIDDEN]: …`) and an exit status.
 */
export function action<A extends unknown[]>(run: Action<A>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const globals = command.optsWithGlobals<GlobalOptions>();
    let ctx: Context | undefined;
    try {
      ctx = new Context(globals);
      exitStatus = (await run(ctx, ...(args.slice(0, -1) as A))) ?? 0;
    } catch (error) {
      const out = ctx?.out ?? new Output({ json: globals.json === true });
      exitStatus = report(out, error);
    } finally {
      await ctx?.close();
    }
  };
}

function report(out: Output, error: unknown): number {
  if (error instanceof CliError) {
    out.failure(error);
    return error.exitCode;
  }
  if (error instanceof SlipwayError) {
    out.failure(error);
    return EXIT_FAILURE;
  }
  out.failure({ code: 'INTERNAL_ERROR', message: error instanceof Error ? error.message : String(error) });
  return EXIT_FAILURE;
}

/** The `slipway` program with every command registered. */
export function buildProgram(register: (program: Command) => void): Command {
  const program = new Command('slipway')
    .description('Deploy, follow builds and manage projects on a Slipway platform.')
    .addOption(new Option('--api-url <url>', 'the API to talk to').env('SLIPWAY_API_URL'))
    .addOption(
      new Option('--token <token>', 'an API token to act with, instead of the stored login').env('SLIPWAY_TOKEN'),
    )
    .option('--json', 'print results as JSON, for scripts')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      // A wrong command line is reported like every other failure: with its code, and as JSON
      // on stdout with --json.
      outputError: (text, write) => {
        const message = text.replace(/^error: /, '').trimEnd();
        if (jsonRequested)
          process.stdout.write(`${JSON.stringify({ error: { code: 'INVALID_ARGUMENTS', message } })}\n`);
        else write(`Error [INVALID_ARGUMENTS]: ${message}\n`);
      },
    })
    .configureHelp({ sortSubcommands: true, showGlobalOptions: true })
    .exitOverride();
  register(program);
  program.commands.forEach(function applyExitOverride(command: Command): void {
    command.exitOverride();
    command.commands.forEach(applyExitOverride);
  });
  return program;
}

/** Runs the program on `argv`; resolves with the exit status. */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  exitStatus = 0;
  const end = argv.indexOf('--');
  jsonRequested = (end === -1 ? argv : argv.slice(0, end)).includes('--json');
  try {
    await program.parseAsync(argv);
    return exitStatus;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit code 0; a wrong command line with EXIT_USAGE.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    throw error;
  }
}
