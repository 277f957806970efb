import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { FunctionsDocument, InvokeFunctionDocument, type FunctionsQuery } from '../../../client/src';
import type { Context } from '../context';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../errors';
import { allPages } from '../paging';
import { action } from '../program';
import { projectIdFor, projectOption } from '../project-ref';
import { readStdin } from '../prompt';

type FunctionSummary = FunctionsQuery['functions']['edges'][number]['node'];

interface ProjectOption {
  project?: string;
}
interface InvokeOptions extends ProjectOption {
  data?: string;
  dataFile?: string;
  async?: boolean;
}

async function allFunctions(ctx: Context, projectId: string): Promise<FunctionSummary[]> {
  return allPages(async (after) => (await ctx.request(FunctionsDocument, { projectId, first: 100, after })).functions);
}

/** A function of the project by id or name. */
async function findFunction(ctx: Context, projectId: string, ref: string): Promise<FunctionSummary> {
  const functions = await allFunctions(ctx, projectId);
  const found = functions.find((f) => f.id === ref) ?? functions.find((f) => f.name === ref);
  if (!found)
    throw new CliError(
      `The project has no function with the name or id ${JSON.stringify(ref)} (see \`slipway functions ls\`)`,
      'FUNCTION_NOT_FOUND',
    );
  return found;
}

/** The payload: --data, else --data-file, else stdin when it is not a terminal; JSON in each case. */
async function payloadFrom(ctx: Context, opts: InvokeOptions): Promise<unknown> {
  if (opts.data !== undefined && opts.dataFile !== undefined)
    throw new CliError('Give --data or --data-file, not both', 'INVALID_ARGUMENTS', EXIT_USAGE);
  let text: string;
  let source: string;
  if (opts.data !== undefined) {
    text = opts.data;
    source = '--data';
  } else if (opts.dataFile !== undefined) {
    const file = path.resolve(ctx.cwd, opts.dataFile);
    if (!existsSync(file)) throw new CliError(`${opts.dataFile} does not exist`, 'FILE_NOT_FOUND', EXIT_USAGE);
    text = readFileSync(file, 'utf8');
    source = opts.dataFile;
  } else if (!process.stdin.isTTY) {
    text = await readStdin();
    source = 'stdin';
  } else return undefined;
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`${source} is not valid JSON: ${(error as Error).message}`, 'INVALID_JSON', EXIT_USAGE);
  }
}

const ms = (value: number | null | undefined): string => (value == null ? '?' : `${Math.round(value)} ms`);

export function registerFunctions(program: Command): void {
  const functions = program
    .command('functions')
    .alias('fn')
    .description("List and invoke the linked project's serverless functions (or --project's)");

  functions
    .command('ls')
    .description("List the project's functions: name, runtime, active version and status")
    .addOption(projectOption())
    .action(
      action(async (ctx, opts: ProjectOption) => {
        const projectId = await projectIdFor(ctx, opts.project);
        const list = await allFunctions(ctx, projectId);
        ctx.out.result({ projectId, functions: list }, () =>
          list.length === 0
            ? 'No functions yet'
            : ctx.out.table(
                ['NAME', 'RUNTIME', 'VERSION', 'STATUS', 'ID'],
                list.map((f) => [
                  f.name,
                  f.runtime ?? '',
                  f.activeVersion === null ? '-' : `v${f.activeVersion}`,
                  f.enabled ? 'enabled' : 'disabled',
                  f.id,
                ]),
              ),
        );
      }),
    );

  functions
    .command('invoke')
    .description('Invoke a function and print its result')
    .argument('<function>', 'the function: its name or id')
    .addOption(projectOption())
    .option('-d, --data <json>', 'the event to pass, as JSON')
    .option('-f, --data-file <file>', 'a file holding the event as JSON')
    .option('--async', 'queue the invocation and print its id, without waiting')
    .addHelpText(
      'after',
      `
The event is --data, else --data-file, else stdin when it is not a terminal. The result is printed
as JSON on stdout; the status, duration and what the function printed go to stderr. A failed
invocation exits 1.

Examples:
  slipway functions invoke resize --data '{"width": 200}'
  echo '{"width": 200}' | slipway functions invoke resize
  slipway functions invoke resize --async --json`,
    )
    .action(
      action(async (ctx, ref: string, opts: InvokeOptions) => {
        const payload = await payloadFrom(ctx, opts);
        const projectId = await projectIdFor(ctx, opts.project);
        const fn = await findFunction(ctx, projectId, ref);
        const { invokeFunction: invocation } = await ctx.request(InvokeFunctionDocument, {
          input: { functionId: fn.id, mode: opts.async ? 'ASYNC' : 'SYNC', payload },
        });
        const failed = !['SUCCEEDED', 'QUEUED', 'RUNNING'].includes(invocation.status);
        if (ctx.out.json) {
          ctx.out.result({ invocation }, '');
          return failed ? EXIT_FAILURE : 0;
        }
        for (const log of invocation.logs) ctx.out.info(ctx.out.dim(`[${log.stream}] ${log.text}`));
        if (opts.async && !failed) {
          ctx.out.result({ invocation }, `Queued invocation ${invocation.id} of ${fn.name}`);
          return 0;
        }
        const timing = `${ms(invocation.durationMs)}${
          invocation.coldStart ? `, cold start ${ms(invocation.coldStartMs)}` : ', warm'
        }`;
        if (failed) {
          const error = invocation.error;
          ctx.out.info(`${fn.name} ${invocation.status.toLowerCase().replace(/_/g, ' ')} (${timing})`);
          if (error?.stack) ctx.out.info(ctx.out.dim(error.stack));
          throw new CliError(
            error ? `${error.type}: ${error.message}` : `The invocation ended ${invocation.status}`,
            `INVOCATION_${invocation.status}`,
          );
        }
        ctx.out.result({ invocation }, JSON.stringify(invocation.result ?? null, null, 2));
        ctx.out.info(`${fn.name} v${invocation.version ?? '?'} succeeded in ${timing}`);
        return 0;
      }),
    );
}
