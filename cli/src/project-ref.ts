import { Option } from 'commander';
import { allProjects } from './commands/projects';
import type { Context } from './context';
import { CliError, EXIT_USAGE } from './errors';

/** What a project reference resolves to. */
export interface ProjectSummary {
  id: string;
  name: string;
  slug: string;
}

const OBJECT_ID = /^[0-9a-f]{24}$/i;

/** `-p, --project <project>`: the project a command acts on instead of the directory's linked one. */
export function projectOption(): Option {
  return new Option('-p, --project <project>', 'the project (id, slug or name) instead of the linked one');
}

/**
 * The project a user means by `ref`: its id, its slug, or its name (exactly, then ignoring case),
 * among the projects the caller belongs to. Several matches → `AMBIGUOUS_PROJECT` (exit 2) listing
 * them; none → `PROJECT_NOT_FOUND`.
 */
export async function findProject(ctx: Context, ref: string): Promise<ProjectSummary> {
  const wanted = ref.trim();
  if (wanted === '') throw new CliError('A project id, slug or name is needed', 'INPUT_REQUIRED', EXIT_USAGE);
  const projects = await allProjects(ctx);
  const byId = projects.find((p) => p.id === wanted.toLowerCase());
  if (byId) return byId;
  const lower = wanted.toLowerCase();
  const tiers = [
    projects.filter((p) => p.slug === wanted),
    projects.filter((p) => p.name === wanted),
    projects.filter((p) => p.name.toLowerCase() === lower || p.slug.toLowerCase() === lower),
  ];
  for (const matches of tiers) {
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1)
      throw new CliError(
        `${JSON.stringify(wanted)} names ${matches.length} projects: ${matches
          .map((p) => `${p.name} (${p.id})`)
          .join(', ')}; give the id instead`,
        'AMBIGUOUS_PROJECT',
        EXIT_USAGE,
      );
  }
  throw new CliError(
    `No project of yours has the id, slug or name ${JSON.stringify(wanted)} (see \`slipway projects\`)`,
    'PROJECT_NOT_FOUND',
  );
}

/**
 * The project id a command acts on: `--project` (an id as is; a slug or name resolved), else the
 * directory's link, else a `NOT_LINKED` usage error.
 */
export async function projectIdFor(ctx: Context, explicit: string | undefined): Promise<string> {
  if (explicit === undefined) return ctx.projectId();
  if (OBJECT_ID.test(explicit.trim())) return explicit.trim().toLowerCase();
  return (await findProject(ctx, explicit)).id;
}
