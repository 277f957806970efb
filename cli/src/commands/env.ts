import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  DeleteEnvVarDocument,
  EnvVarsDocument,
  SetEnvVarDocument,
  SlipwayError,
  type EnvVarsQuery,
  type Schema,
} from '../../../client/src';
import { writeFileAtomic } from '../config';
import { dotenvLine, ENV_KEY, parseDotenv, valueProblem } from '../dotenv';
import { CliError, EXIT_USAGE } from '../errors';
import { action } from '../program';
import { projectIdFor, projectOption } from '../project-ref';
import { ask, readStdin } from '../prompt';

type EnvVar = EnvVarsQuery['envVars'][number];
type Target = Schema.EnvTarget;

const TARGETS: Target[] = ['PRODUCTION', 'PREVIEW', 'DEVELOPMENT'];

interface ProjectOption {
  project?: string;
}
interface TargetsOption extends ProjectOption {
  target?: Target[];
  branch?: string;
}

function targetOption(description: string): Option {
  return new Option('-t, --target <environment>', description)
    .choices(['production', 'preview', 'development'])
    .argParser((value: string, previous: Target[] | undefined) => {
      const target = value.toUpperCase() as Target;
      if (!TARGETS.includes(target))
        throw new InvalidArgumentError('Allowed choices are production, preview, development.');
      return [...(previous ?? []), target];
    });
}

function checkKey(key: string): string {
  if (!ENV_KEY.test(key))
    throw new CliError(
      `${JSON.stringify(key)} is not a valid variable name: letters, digits and _, not starting with a digit, at most 256 characters`,
      'INVALID_ENV_KEY',
      EXIT_USAGE,
    );
  return key;
}

const lower = (target: string): string => target.toLowerCase();

function describeTargets(targets: Target[] | undefined): string {
  return (targets && targets.length > 0 ? targets : TARGETS).map(lower).join(', ');
}

/** A variable as `ls` and `--json` show it: never its value. */
function shown(variable: EnvVar): Omit<EnvVar, 'value'> {
  const { value: _value, ...rest } = variable;
  return rest;
}

/**
 * The values `target` gets: the environment-wide ones, with `branch`'s own over them when a
 * branch is given.
 */
function effective(variables: EnvVar[], target: Target, branch: string | undefined): Map<string, EnvVar> {
  const byKey = new Map<string, EnvVar>();
  for (const variable of variables.filter((v) => v.target === target && v.branch === null))
    byKey.set(variable.key, variable);
  if (branch !== undefined)
    for (const variable of variables.filter((v) => v.target === target && v.branch === branch))
      byKey.set(variable.key, variable);
  return new Map([...byKey].sort(([a], [b]) => a.localeCompare(b)));
}

function readFile(file: string): string {
  if (!existsSync(file)) throw new CliError(`${file} does not exist`, 'FILE_NOT_FOUND', EXIT_USAGE);
  return readFileSync(file, 'utf8');
}

export function registerEnv(program: Command): void {
  const env = program
    .command('env')
    .description("Manage the linked project's environment variables (or --project's)")
    .addHelpText(
      'after',
      `
Values are never printed: \`ls\` shows masked values, \`pull\` writes them to a file (mode 0600).

Examples:
  slipway env ls --target production
  slipway env set API_URL https://api.example.com --target production
  slipway env set STRIPE_KEY --secret < key.txt
  slipway env push .env && slipway env pull .env.local`,
    );

  env
    .command('ls')
    .description('List the variables: keys, environments, types, branches and masked values')
    .addOption(projectOption())
    .addOption(targetOption('only the variables of this environment'))
    .action(
      action(async (ctx, opts: TargetsOption) => {
        const projectId = await projectIdFor(ctx, opts.project);
        const target = opts.target?.at(-1);
        const { envVars } = await ctx.request(EnvVarsDocument, { projectId, target });
        ctx.out.result({ projectId, variables: envVars.map(shown) }, () =>
          envVars.length === 0
            ? 'No variables yet (`slipway env set KEY VALUE`)'
            : ctx.out.table(
                ['KEY', 'TARGET', 'TYPE', 'BRANCH', 'VALUE', 'UPDATED'],
                envVars.map((v) => [v.key, lower(v.target), lower(v.type), v.branch ?? '', v.maskedValue, v.updatedAt]),
              ),
        );
      }),
    );

  env
    .command('set')
    .description('Set a variable; the value from stdin when not given (kept out of shell history)')
    .argument('<key>', 'the variable name')
    .argument('[value]', 'its value; read from stdin when left out')
    .addOption(projectOption())
    .addOption(targetOption('the environment that gets it (repeatable; all three by default)'))
    .option('--branch <branch>', "the branch's own value, over the environment-wide one")
    .option('--secret', 'a SECRET: never readable back through the API')
    .addHelpText(
      'after',
      '\nExamples:\n  slipway env set API_URL https://api.example.com\n  slipway env set TOKEN --secret < token.txt',
    )
    .action(
      action(async (ctx, key: string, given: string | undefined, opts: TargetsOption & { secret?: boolean }) => {
        checkKey(key);
        const projectId = await projectIdFor(ctx, opts.project);
        const value =
          given ?? (process.stdin.isTTY ? await ask(`Value of ${key}: `, { secret: true }) : await readStdin());
        if (given === undefined && value === '')
          throw new CliError(
            `No value for ${key} on stdin: give it as an argument (\`slipway env set ${key} ''\` for an empty value)`,
            'INPUT_REQUIRED',
            EXIT_USAGE,
          );
        const problem = valueProblem(value);
        if (problem) throw new CliError(`${key}: ${problem}`, 'INVALID_ENV_VALUE', EXIT_USAGE);
        const { setEnvVar } = await ctx.request(SetEnvVarDocument, {
          input: {
            projectId,
            key,
            value,
            targets: opts.target ?? [],
            branch: opts.branch,
            type: opts.secret ? 'SECRET' : 'PLAIN',
          },
        });
        ctx.out.result(
          { projectId, variables: setEnvVar },
          `Set ${key}${opts.secret ? ' (secret)' : ''} for ${describeTargets(opts.target)}${
            opts.branch ? ` on branch ${opts.branch}` : ''
          }`,
        );
      }),
    );

  env
    .command('rm')
    .alias('remove')
    .description('Remove a variable')
    .argument('<key>', 'the variable name')
    .addOption(projectOption())
    .addOption(targetOption('only from this environment (repeatable; all three by default)'))
    .option('--branch <branch>', "the branch's own value, instead of the environment-wide one")
    .action(
      action(async (ctx, key: string, opts: TargetsOption) => {
        checkKey(key);
        const projectId = await projectIdFor(ctx, opts.project);
        const { deleteEnvVar } = await ctx.request(DeleteEnvVarDocument, {
          input: { projectId, key, targets: opts.target ?? [], branch: opts.branch },
        });
        ctx.out.result(
          { projectId, key, removed: deleteEnvVar },
          `Removed ${key} (${deleteEnvVar} value${deleteEnvVar === 1 ? '' : 's'})`,
        );
      }),
    );

  env
    .command('pull')
    .description("Write the variables an environment gets to a dotenv file (mode 0600); secrets can't be read back")
    .argument('[file]', 'the file to write', '.env.local')
    .addOption(projectOption())
    .addOption(targetOption('the environment (default development)'))
    .option('--branch <branch>', "with this branch's own values over the environment-wide ones")
    .option('--stdout', 'print the file on stdout instead of writing it')
    .action(
      action(async (ctx, file: string, opts: TargetsOption & { stdout?: boolean }) => {
        if (
          !opts.stdout &&
          existsSync(path.resolve(ctx.cwd, file)) &&
          statSync(path.resolve(ctx.cwd, file)).isDirectory()
        )
          throw new CliError(`${file} is a directory: name the file to write`, 'INVALID_PATH', EXIT_USAGE);
        const projectId = await projectIdFor(ctx, opts.project);
        const target = opts.target?.at(-1) ?? 'DEVELOPMENT';
        const { envVars } = await ctx.request(EnvVarsDocument, { projectId, target });
        const variables = effective(envVars, target, opts.branch);
        const lines = [
          `# The ${lower(target)} variables of the project ${projectId}${opts.branch ? ` on branch ${opts.branch}` : ''}, written by slipway env pull.`,
        ];
        const written: string[] = [];
        const secrets: string[] = [];
        const unwritable: string[] = [];
        for (const [key, variable] of variables) {
          if (variable.type === 'SECRET' || variable.value === null) {
            secrets.push(key);
            lines.push(`# ${key} is a secret: the API never gives its value back.`);
            continue;
          }
          const line = dotenvLine(key, variable.value);
          if (line === undefined) {
            unwritable.push(key);
            lines.push(`# ${key} has a value no dotenv quoting can hold; left out.`);
            continue;
          }
          written.push(key);
          lines.push(line);
        }
        const text = `${lines.join('\n')}\n`;
        let written_to: string | undefined;
        if (opts.stdout) process.stdout.write(text);
        else {
          written_to = path.resolve(ctx.cwd, file);
          try {
            writeFileAtomic(written_to, text, 0o600);
          } catch (error) {
            throw new CliError(`Cannot write ${file}: ${(error as Error).message}`, 'WRITE_FAILED');
          }
        }
        if (secrets.length > 0)
          ctx.out.warn(
            `${secrets.length} secret${secrets.length === 1 ? '' : 's'} left out, their values cannot be read back: ${secrets.join(', ')}`,
          );
        if (unwritable.length > 0)
          ctx.out.warn(`Left out, no dotenv quoting can hold their values: ${unwritable.join(', ')}`);
        if (opts.stdout) return;
        ctx.out.result(
          { projectId, target, branch: opts.branch ?? null, file: written_to, written, secrets, unwritable },
          `Wrote ${written.length} variable${written.length === 1 ? '' : 's'} to ${file}`,
        );
      }),
    );

  env
    .command('push')
    .description('Set every variable of a dotenv file')
    .argument('[file]', 'the dotenv file to read', '.env')
    .addOption(projectOption())
    .addOption(targetOption('the environment that gets them (repeatable; all three by default)'))
    .option('--branch <branch>', "as the branch's own values")
    .option('--secret', 'set them all as SECRET')
    .action(
      action(async (ctx, file: string, opts: TargetsOption & { secret?: boolean }) => {
        const { values, unread } = parseDotenv(readFile(path.resolve(ctx.cwd, file)));
        if (unread.length > 0)
          throw new CliError(
            `${file} is not a dotenv file: line${unread.length === 1 ? '' : 's'} ${unread.join(', ')} ${unread.length === 1 ? 'is' : 'are'} not KEY=value`,
            'INVALID_DOTENV',
            EXIT_USAGE,
          );
        const keys = Object.keys(values);
        const invalid = keys.filter((key) => !ENV_KEY.test(key));
        if (invalid.length > 0)
          throw new CliError(
            `Not valid variable names (letters, digits and _, not starting with a digit): ${invalid.join(', ')}; nothing was changed`,
            'INVALID_ENV_KEY',
            EXIT_USAGE,
          );
        const badValues = keys.flatMap((key) => {
          const problem = valueProblem(values[key]!);
          return problem ? [`${key} (${problem})`] : [];
        });
        if (badValues.length > 0)
          throw new CliError(
            `Values the API does not store: ${badValues.join(', ')}; nothing was changed`,
            'INVALID_ENV_VALUE',
            EXIT_USAGE,
          );
        const projectId = await projectIdFor(ctx, opts.project);
        const targets = opts.target && opts.target.length > 0 ? opts.target : TARGETS;
        const type = opts.secret ? 'SECRET' : 'PLAIN';
        const { envVars } = await ctx.request(EnvVarsDocument, { projectId });
        const existing = envVars.filter((v) => targets.includes(v.target) && v.branch === (opts.branch ?? null));
        const added: string[] = [];
        const updated: string[] = [];
        const unchanged: string[] = [];
        for (const key of keys) {
          const current = existing.filter((v) => v.key === key);
          if (
            current.length === targets.length &&
            current.every((v) => v.type === type && v.type === 'PLAIN' && v.value === values[key])
          ) {
            unchanged.push(key);
            continue;
          }
          try {
            await ctx.request(SetEnvVarDocument, {
              input: { projectId, key, value: values[key]!, targets, branch: opts.branch, type },
            });
          } catch (error) {
            throw pushStopped(error, key, { added, updated, unchanged });
          }
          (current.length === 0 ? added : updated).push(key);
        }
        ctx.out.result({ projectId, targets, branch: opts.branch ?? null, added, updated, unchanged }, () =>
          keys.length === 0
            ? `${file} has no variables`
            : [
                ...added.map((k) => `+ ${k}`),
                ...updated.map((k) => `~ ${k}`),
                ...unchanged.map((k) => `= ${k}`),
                `${added.length} added, ${updated.length} updated, ${unchanged.length} unchanged (${targets
                  .map(lower)
                  .join(', ')})`,
              ].join('\n'),
        );
      }),
    );
}

/**
 * `env push` stopped at `key`: says which variables it had set by then (the rest of the file was
 * not pushed), with the API's code.
 */
export function pushStopped(
  error: unknown,
  key: string,
  done: { added: string[]; updated: string[]; unchanged: string[] },
): CliError {
  const code = error instanceof SlipwayError || error instanceof CliError ? error.code : 'INTERNAL_ERROR';
  const why = error instanceof Error ? error.message : String(error);
  const list = (keys: string[]): string => (keys.length > 0 ? keys.join(', ') : 'none');
  return new CliError(
    `Setting ${key} failed (${why}); before it, added: ${list(done.added)}, updated: ${list(done.updated)}; ${key} and the variables after it were not changed`,
    code,
    error instanceof CliError ? error.exitCode : 1,
    { failedKey: key, ...done },
  );
}
