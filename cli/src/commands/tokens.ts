import { InvalidArgumentError, type Command } from 'commander';
import {
  ApiTokensDocument,
  CreateApiTokenDocument,
  RevokeApiTokenDocument,
  type ApiTokensQuery,
} from '../../../client/src';
import type { Context } from '../context';
import { CliError, EXIT_USAGE } from '../errors';
import { allPages } from '../paging';
import { action } from '../program';
import { projectIdFor } from '../project-ref';

type TokenSummary = ApiTokensQuery['apiTokens']['edges'][number]['node'];

const UNITS: Record<string, number> = { m: 60, h: 3_600, d: 86_400, w: 604_800 };

/** `30d`, `12h`, `90m`, `2w` as seconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+)\s*([mhdw])$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * UNITS[match[2]!]! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0)
    throw new InvalidArgumentError('Give a number with m, h, d or w (minutes, hours, days, weeks), e.g. 30d.');
  return seconds;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  ];
}

async function allTokens(ctx: Context, projectId: string | undefined): Promise<TokenSummary[]> {
  return allPages(async (after) => (await ctx.request(ApiTokensDocument, { first: 100, after, projectId })).apiTokens);
}

export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description('Create, list and revoke API tokens for scripts and CI');

  tokens
    .command('create')
    .description('Create an API token; its secret is printed once, never again')
    .argument('<name>', 'what the token is for')
    .requiredOption(
      '-s, --scope <scopes>',
      'a permission (build:create) or every action of a resource (build:*); repeatable or comma-separated',
      collect,
    )
    .option('-p, --project <project>', 'restrict the token to this project (id, slug or name)')
    .option('--expires-in <duration>', 'stop working after this long: 30d, 12h, 90m, 2w', parseDuration)
    .addHelpText(
      'after',
      `
Examples:
  slipway tokens create ci --scope build:create,deployment:read --project my-app --expires-in 30d
  SLIPWAY_TOKEN=$(slipway tokens create ci --scope 'build:*' --json | jq -r .secret)`,
    )
    .action(
      action(async (ctx, name: string, opts: { scope: string[]; project?: string; expiresIn?: number }) => {
        const projectId = opts.project === undefined ? undefined : await projectIdFor(ctx, opts.project);
        const expiresAt =
          opts.expiresIn === undefined ? undefined : new Date(Date.now() + opts.expiresIn * 1000).toISOString();
        const { createApiToken } = await ctx.request(CreateApiTokenDocument, {
          input: { name, scopes: opts.scope, projectId, expiresAt },
        });
        ctx.out.result(
          { token: createApiToken.token, secret: createApiToken.secret },
          [
            `Created the token ${createApiToken.token.name} (${createApiToken.token.id}), scopes ${createApiToken.token.scopes.join(', ')}${
              createApiToken.token.expiresAt ? `, expires ${createApiToken.token.expiresAt}` : ''
            }:`,
            '',
            `  ${createApiToken.secret}`,
            '',
          ].join('\n'),
        );
        ctx.out.warn('This is the only time the token is shown: store it now.');
      }),
    );

  tokens
    .command('ls')
    .description("List your API tokens (or a project's with --project), without their secrets")
    .option('-p, --project <project>', "the project's tokens (id, slug or name), instead of your own")
    .action(
      action(async (ctx, opts: { project?: string }) => {
        const projectId = opts.project === undefined ? undefined : await projectIdFor(ctx, opts.project);
        const list = await allTokens(ctx, projectId);
        ctx.out.result({ tokens: list }, () =>
          list.length === 0
            ? 'No API tokens yet (`slipway tokens create`)'
            : ctx.out.table(
                ['ID', 'NAME', 'PREFIX', 'SCOPES', 'PROJECT', 'STATUS', 'EXPIRES', 'LAST USED'],
                list.map((t) => [
                  t.id,
                  t.name,
                  t.displayPrefix,
                  t.scopes.join(','),
                  t.projectId ?? 'all',
                  t.status.toLowerCase(),
                  t.expiresAt ?? 'never',
                  t.lastUsedAt ?? 'never',
                ]),
              ),
        );
      }),
    );

  tokens
    .command('revoke')
    .description('Revoke an API token at once')
    .argument('<token>', 'the token: its id, or the name of one of your active tokens')
    .option('-p, --project <project>', "look among the project's tokens (id, slug or name)")
    .action(
      action(async (ctx, ref: string, opts: { project?: string }) => {
        const projectId = opts.project === undefined ? undefined : await projectIdFor(ctx, opts.project);
        const list = await allTokens(ctx, projectId);
        let id = list.find((t) => t.id === ref)?.id;
        if (!id) {
          const named = list.filter((t) => t.name === ref && t.status === 'ACTIVE');
          if (named.length > 1)
            throw new CliError(
              `${named.length} active tokens are named ${JSON.stringify(ref)}: ${named.map((t) => t.id).join(', ')}; give the id`,
              'AMBIGUOUS_TOKEN',
              EXIT_USAGE,
            );
          id = named[0]?.id;
        }
        if (!id)
          throw new CliError(
            `No active token has the id or name ${JSON.stringify(ref)} (see \`slipway tokens ls\`)`,
            'TOKEN_NOT_FOUND',
          );
        const { revokeApiToken } = await ctx.request(RevokeApiTokenDocument, { input: { id } });
        ctx.out.result({ token: revokeApiToken }, `Revoked the token ${revokeApiToken.name} (${revokeApiToken.id})`);
      }),
    );
}
