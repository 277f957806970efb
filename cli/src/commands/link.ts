import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { BuildSettingsDocument, UpdateBuildSettingsDocument } from '../../../client/src';
import { LINK_DIR, writeLink } from '../config';
import type { Context } from '../context';
import { CliError, EXIT_USAGE } from '../errors';
import { runGit } from '../git';
import { action } from '../program';
import { findProject, type ProjectSummary } from '../project-ref';
import { ask } from '../prompt';
import { allProjects } from './projects';

interface LinkOptions {
  repository?: string;
  yes?: boolean;
}

/** `git` in `cwd`, its trimmed output, or undefined when git fails or prints nothing. */
function git(cwd: string, args: string[]): string | undefined {
  return runGit(cwd, args) || undefined;
}

/**
 * An origin URL without the user name and password some checkouts keep in it
 * (`https://x-access-token:…@host/…`): they are secrets, neither shown nor sent to the API. An
 * scp-like `user@host:path` stays as it is: its user (usually `git`) is no secret.
 */
export function withoutCredentials(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
  }
}

/** The project to link: the one named, else the only one there is, else a question on a terminal. */
async function chooseProject(ctx: Context, ref: string | undefined): Promise<ProjectSummary> {
  if (ref !== undefined) return findProject(ctx, ref);
  const projects = await allProjects(ctx);
  if (projects.length === 1) return projects[0]!;
  if (projects.length === 0)
    throw new CliError('You have no projects yet: create one first', 'PROJECT_NOT_FOUND', EXIT_USAGE);
  if (!process.stdin.isTTY || ctx.out.json)
    throw new CliError(
      `You have ${projects.length} projects: name the one to link (\`slipway link <id|slug|name>\`)`,
      'INPUT_REQUIRED',
      EXIT_USAGE,
    );
  process.stderr.write(
    `${ctx.out.table(
      ['ID', 'NAME', 'SLUG'],
      projects.map((p) => [p.id, p.name, p.slug]),
    )}\n`,
  );
  return findProject(ctx, await ask('Project to link (id, slug or name): '));
}

/** The repository `--repository` means: `.` is the checkout itself, anything else is taken as given. */
function repositoryFrom(ctx: Context, value: string): string {
  if (value !== '.') return value;
  const top = git(ctx.cwd, ['rev-parse', '--show-toplevel']);
  if (!top)
    throw new CliError(
      '`--repository .` needs the directory to be in a git checkout',
      'NOT_A_GIT_CHECKOUT',
      EXIT_USAGE,
    );
  return top;
}

export function registerLink(program: Command): void {
  program
    .command('link')
    .argument('[project]', 'the project: its id, slug or name (optional when you have only one)')
    .description('Link this directory to a project, so that commands run here act on it')
    .option(
      '--repository <url>',
      "set the project's build repository (https://…, ssh://…, user@host:path; `.` for this checkout's path)",
    )
    .option('-y, --yes', "set the build repository from this checkout's origin without asking")
    .addHelpText(
      'after',
      `
Writes .slipway/project.json here (ignored by git). When the project has no build repository yet
and this directory is a git checkout, offers to use \`git remote get-url origin\`.

Examples:
  slipway link my-app
  slipway link 665f1c2e9b1d4a0012345678 --repository https://github.com/me/my-app.git
  slipway link my-app --repository .      # build from this checkout (servers allowing local paths)`,
    )
    .action(
      action(async (ctx, ref: string | undefined, opts: LinkOptions) => {
        const project = await chooseProject(ctx, ref);
        // The link is written last, once the build repository is set: a failure leaves nothing half done.
        let repositoryUrl: string | null;
        if (opts.repository !== undefined) {
          const { updateBuildSettings } = await ctx.request(UpdateBuildSettingsDocument, {
            input: { projectId: project.id, repositoryUrl: repositoryFrom(ctx, opts.repository) },
          });
          repositoryUrl = updateBuildSettings.repositoryUrl;
        } else {
          repositoryUrl = (await ctx.request(BuildSettingsDocument, { projectId: project.id })).buildSettings
            .repositoryUrl;
          const remote = repositoryUrl ? undefined : git(ctx.cwd, ['remote', 'get-url', 'origin']);
          const origin = remote === undefined ? undefined : withoutCredentials(remote);
          if (origin) {
            const accept =
              opts.yes === true ||
              (process.stdin.isTTY === true &&
                !ctx.out.json &&
                /^(y|yes|)$/i.test((await ask(`Build ${project.name} from ${origin}? [Y/n] `)).trim()));
            if (accept) {
              const { updateBuildSettings } = await ctx.request(UpdateBuildSettingsDocument, {
                input: { projectId: project.id, repositoryUrl: origin },
              });
              repositoryUrl = updateBuildSettings.repositoryUrl;
            } else if (!process.stdin.isTTY) {
              ctx.out.info(
                `${project.name} has no build repository: \`slipway link ${project.slug} --yes\` sets it to ${origin}`,
              );
            }
          }
        }
        const file = writeLink(ctx.cwd, { projectId: project.id, projectName: project.name, apiUrl: ctx.apiUrl });
        ctx.out.result(
          { project, directory: ctx.cwd, file, apiUrl: ctx.apiUrl, repositoryUrl },
          [
            `Linked ${ctx.cwd} to ${project.name} (${project.id})`,
            repositoryUrl ? `Build repository: ${repositoryUrl}` : 'No build repository yet (`--repository <url>`)',
          ].join('\n'),
        );
      }),
    );

  program
    .command('unlink')
    .description('Remove the link between this directory and a project')
    .action(
      action(async (ctx) => {
        const file = path.join(ctx.cwd, LINK_DIR, 'project.json');
        const found = existsSync(file);
        if (found) {
          rmSync(file);
          const dir = path.join(ctx.cwd, LINK_DIR);
          if (readdirSync(dir).every((name) => name === '.gitignore')) rmSync(dir, { recursive: true, force: true });
        }
        ctx.out.result(
          { unlinked: found, directory: ctx.cwd },
          found ? `Unlinked ${ctx.cwd}` : 'This directory is not linked (a link above it stays)',
        );
      }),
    );
}
