import type { Command } from 'commander';
import { ProjectsDocument, type ProjectsQuery } from '../../../client/src';
import type { Context } from '../context';
import { allPages } from '../paging';
import { action } from '../program';

type ProjectSummary = ProjectsQuery['projects']['edges'][number]['node'];

/** Every project the caller belongs to, page by page. */
export async function allProjects(ctx: Context): Promise<ProjectSummary[]> {
  return allPages(async (after) => (await ctx.request(ProjectsDocument, { first: 100, after })).projects);
}

export function registerProjects(program: Command): void {
  program
    .command('projects')
    .description('List the projects you belong to')
    .action(
      action(async (ctx) => {
        const projects = await allProjects(ctx);
        const linked = ctx.link()?.link.projectId;
        ctx.out.result({ projects }, () =>
          projects.length === 0
            ? 'No projects yet'
            : ctx.out.table(
                ['', 'ID', 'NAME', 'SLUG', 'CREATED'],
                projects.map((p) => [p.id === linked ? '*' : '', p.id, p.name, p.slug, p.createdAt]),
              ),
        );
      }),
    );
}
