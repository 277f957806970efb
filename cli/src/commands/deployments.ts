import type { Command } from 'commander';
import {
  DeploymentsDocument,
  PromoteDeploymentDocument,
  RollbackDeploymentDocument,
  type DeploymentEnvironment,
  type DeploymentFieldsFragment,
} from '../../../client/src';
import type { Context } from '../context';
import { CliError, EXIT_USAGE } from '../errors';
import { action } from '../program';
import { projectIdFor } from '../project-ref';

/** Where a deployment is served (its own address), and the project's production address when it is production. */
export function deploymentUrls(
  ctx: Context,
  deployment: Pick<DeploymentFieldsFragment, 'url' | 'projectId' | 'isProduction'>,
): { url: string; productionUrl: string | undefined } {
  return {
    url: new URL(deployment.url, ctx.apiUrl).toString(),
    productionUrl: deployment.isProduction ? new URL(`/p/${deployment.projectId}/`, ctx.apiUrl).toString() : undefined,
  };
}

/** A deployment as `--json` prints it: its address made absolute. */
function withUrls(ctx: Context, deployment: DeploymentFieldsFragment): DeploymentFieldsFragment {
  return { ...deployment, url: deploymentUrls(ctx, deployment).url };
}

function describe(deployment: DeploymentFieldsFragment): string {
  const commit = deployment.commitSha ? ` at ${deployment.commitSha.slice(0, 7)}` : '';
  return `${deployment.id} (${deployment.branch}${commit}, deployed ${deployment.createdAt})`;
}

function productionSummary(ctx: Context, verb: string, deployment: DeploymentFieldsFragment): string {
  const urls = deploymentUrls(ctx, deployment);
  return [
    `${verb}: production now serves deployment ${describe(deployment)}`,
    `Production URL: ${urls.productionUrl ?? urls.url}`,
    `Deployment URL: ${urls.url}`,
  ].join('\n');
}

interface ListOptions {
  project?: string;
  environment?: string;
  limit: string;
}

export function registerDeployments(program: Command): void {
  program
    .command('deployments')
    .description("List the project's deployments, newest first; * marks the one serving production")
    .option('--project <project>', 'the project: id, slug or name (default: the linked one)')
    .option('--environment <env>', 'only production or preview deployments')
    .option('--limit <n>', 'how many to list, 1 to 100', '20')
    .action(
      action(async (ctx, opts: ListOptions) => {
        const projectId = await projectIdFor(ctx, opts.project);
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100)
          throw new CliError('--limit must be a whole number from 1 to 100', 'INVALID_LIMIT', EXIT_USAGE);
        const environment = opts.environment?.toUpperCase();
        if (environment !== undefined && environment !== 'PRODUCTION' && environment !== 'PREVIEW')
          throw new CliError('--environment must be production or preview', 'INVALID_ENVIRONMENT', EXIT_USAGE);
        const { deployments } = await ctx.request(DeploymentsDocument, {
          projectId,
          first: limit,
          environment: environment as DeploymentEnvironment | undefined,
        });
        const list = deployments.edges.map((edge) => withUrls(ctx, edge.node));
        ctx.out.result({ deployments: list, totalCount: deployments.totalCount }, () =>
          list.length === 0
            ? 'No deployments yet: `slipway deploy` makes one'
            : ctx.out.table(
                ['', 'ID', 'ENVIRONMENT', 'BRANCH', 'COMMIT', 'CREATED', 'URL'],
                list.map((d) => [
                  d.isProduction ? '*' : '',
                  d.id,
                  d.environment.toLowerCase(),
                  d.branch,
                  d.commitSha?.slice(0, 7) ?? '',
                  d.createdAt,
                  d.url,
                ]),
              ),
        );
      }),
    );

  program
    .command('rollback')
    .description('Serve the previous production deployment again (instant: no rebuild)')
    .option('--project <project>', 'the project: id, slug or name (default: the linked one)')
    .addHelpText(
      'after',
      `
Each rollback goes one production deployment further back (the last 20 are kept). To serve a
given deployment, use \`slipway promote <deployment>\` (\`slipway deployments\` lists them).`,
    )
    .action(
      action(async (ctx, opts: { project?: string }) => {
        const projectId = await projectIdFor(ctx, opts.project);
        const { rollbackDeployment } = await ctx.request(RollbackDeploymentDocument, { input: { projectId } });
        ctx.out.result(
          { deployment: withUrls(ctx, rollbackDeployment) },
          productionSummary(ctx, 'Rolled back', rollbackDeployment),
        );
      }),
    );

  program
    .command('promote')
    .description('Make a deployment (a preview included) the one serving production')
    .argument('<deploymentId>', 'the deployment (`slipway deployments` lists them)')
    .action(
      action(async (ctx, deploymentId: string) => {
        const { promoteDeployment } = await ctx.request(PromoteDeploymentDocument, { input: { deploymentId } });
        ctx.out.result(
          { deployment: withUrls(ctx, promoteDeployment) },
          productionSummary(ctx, 'Promoted', promoteDeployment),
        );
      }),
    );
}
