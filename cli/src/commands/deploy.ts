import type { Command } from 'commander';
import {
  BuildDocument,
  CreateBuildDocument,
  DeploymentDocument,
  type BuildFieldsFragment,
  type BuildStatus,
  type DeploymentFieldsFragment,
} from '../../../client/src';
import type { Context } from '../context';
import { CliError, EXIT_USAGE } from '../errors';
import {
  DEFAULT_RECONNECT_TIMEOUT_MS,
  exitStatusOf,
  FINISHED_STATUSES,
  followBuild,
  interruptible,
  LogCursor,
  logPrinter,
  printStored,
  withReconnect,
  type ReconnectOptions,
} from '../follow';
import { deployTarget, readCheckout } from '../git';
import { action } from '../program';
import { projectIdFor } from '../project-ref';
import { deploymentUrls } from './deployments';

interface DeployOptions {
  project?: string;
  branch?: string;
  commit?: string;
  /** commander's `--no-follow`. */
  follow: boolean;
  detach?: boolean;
  reconnectTimeout: string;
}

interface LogsOptions {
  follow?: boolean;
  reconnectTimeout: string;
}

const RECONNECT_TIMEOUT_HELP = 'give up after this many seconds in all without reaching the API';

/** `--reconnect-timeout <seconds>` in milliseconds. */
export function reconnectTimeoutMs(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0)
    throw new CliError(
      `--reconnect-timeout must be a number of seconds above 0, not ${JSON.stringify(value)}`,
      'INVALID_RECONNECT_TIMEOUT',
      EXIT_USAGE,
    );
  return Math.round(seconds * 1000);
}

/** Exit status of a follower stopped with Ctrl-C, as shells report SIGINT. */
const EXIT_INTERRUPTED = 130;

const STATUS_WORDS: Record<BuildStatus, string> = {
  QUEUED: 'is queued',
  RUNNING: 'is running',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  CANCELED: 'was canceled',
  TIMED_OUT: 'timed out',
};

function shortSha(sha: string | undefined): string {
  return sha ? sha.slice(0, 7) : 'its head';
}

function resumeHint(buildId: string): string {
  return `Build ${buildId} keeps running: follow it again with \`slipway logs ${buildId} -f\``;
}

/** A progress line on a terminal: the current step and the time since following began. */
export function progress(ctx: Context): { step(name: string): void; stop(): void } {
  if (!ctx.out.interactive) return { step: () => undefined, stop: () => undefined };
  const started = Date.now();
  let current = 'waiting for a worker';
  const draw = (): void => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    const elapsed = seconds >= 60 ? `${Math.floor(seconds / 60)}m ${seconds % 60}s` : `${seconds}s`;
    ctx.out.spin(`${current} · ${elapsed}`);
  };
  const timer = setInterval(draw, 1000);
  timer.unref();
  draw();
  return {
    step: (name) => {
      current = name;
      draw();
    },
    stop: () => {
      clearInterval(timer);
      ctx.out.stopSpinner();
    },
  };
}

/** Prints how a followed build ended; returns the exit status. */
async function reportOutcome(
  ctx: Context,
  build: BuildFieldsFragment,
  withDeployment: boolean,
  reconnect: ReconnectOptions,
): Promise<number> {
  let deployment: DeploymentFieldsFragment | null = null;
  if (withDeployment && build.status === 'SUCCEEDED' && build.deploymentId) {
    const id = build.deploymentId;
    deployment = (await withReconnect(ctx, () => ctx.request(DeploymentDocument, { id }), reconnect)).deployment;
  }
  const urls = deployment ? deploymentUrls(ctx, deployment) : undefined;
  if (ctx.out.json) {
    ctx.out.jsonLine({
      type: 'result',
      build,
      ...(withDeployment ? { deployment: deployment && { ...deployment, url: urls!.url } } : {}),
    });
  } else if (build.status === 'SUCCEEDED') {
    if (deployment && urls) {
      const where = deployment.environment === 'PRODUCTION' ? 'production' : 'a preview';
      ctx.out.line(`${ctx.out.green('✔')} Deployed ${deployment.id} to ${where}: ${urls.url}`);
      if (deployment.isProduction && urls.productionUrl) ctx.out.line(`Production URL: ${urls.productionUrl}`);
    } else if (withDeployment) {
      ctx.out.line(
        `${ctx.out.green('✔')} Build ${build.id} succeeded; nothing was deployed (preview deployments are off)`,
      );
    } else {
      ctx.out.info(`Build ${build.id} succeeded`);
    }
  } else {
    const code = `BUILD_${build.status}`;
    const why = build.error ? `: ${build.error}` : '';
    ctx.out.failure({ code, message: `Build ${build.id} ${STATUS_WORDS[build.status]}${why}` });
  }
  return exitStatusOf(build.status);
}

/**
 * Follows a build to its end and prints how it ended (with its deployment when `withDeployment`);
 * returns the exit status. Ctrl-C, at any point of it, stops following and says how to resume.
 */
async function followAndReport(
  ctx: Context,
  buildId: string,
  withDeployment: boolean,
  timeoutMs: number,
): Promise<number> {
  const bar = progress(ctx);
  try {
    const status = await interruptible(async (signal) => {
      const { build } = await followBuild(ctx, buildId, { onStep: (step) => bar.step(step), signal, timeoutMs });
      bar.stop();
      return reportOutcome(ctx, build, withDeployment, { signal, timeoutMs });
    });
    if (status !== undefined) return status;
    bar.stop();
    ctx.out.warn(`Stopped following. ${resumeHint(buildId)}`);
    return EXIT_INTERRUPTED;
  } finally {
    bar.stop();
  }
}

export function registerDeploy(program: Command): void {
  program
    .command('deploy')
    .description("Build and deploy the checkout's current branch and commit, following the build's log until it ends")
    .option('--project <project>', 'the project to deploy: id, slug or name (default: the linked one)')
    .option('--branch <name>', 'the branch to build (default: the one checked out; needed on a detached HEAD)')
    .option('--commit <sha>', 'the commit to build (default: the one checked out, or the branch head)')
    .option('--no-follow', 'queue the build, print its id and exit')
    .option('--detach', 'the same as --no-follow')
    .option('--reconnect-timeout <seconds>', RECONNECT_TIMEOUT_HELP, String(DEFAULT_RECONNECT_TIMEOUT_MS / 1000))
    .addHelpText(
      'after',
      `
The build checks out the commit from the project's repository: commit and push first. Changes not
committed are not deployed. The production branch makes a production deployment, other branches
preview deployments. Exits 0 when the build succeeds, 1 when it fails, times out or is canceled.
Ctrl-C stops following (exit 130); the build keeps running (\`slipway logs <build> -f\` follows
it again). Without the API for --reconnect-timeout seconds in all, it gives up: NETWORK_ERROR, exit 1.

Examples:
  $ slipway deploy
  $ slipway deploy --branch main            # on a detached HEAD, as CI checks out
  $ slipway deploy --no-follow --json       # {"build": {"id": …}}
  $ slipway deploy --json | jq -c 'select(.type == "result")'`,
    )
    .action(
      action(async (ctx, opts: DeployOptions) => {
        const timeoutMs = reconnectTimeoutMs(opts.reconnectTimeout);
        const projectId = await projectIdFor(ctx, opts.project);
        const target = deployTarget(readCheckout(ctx.cwd), opts);
        target.warnings.forEach((warning) => ctx.out.warn(warning));
        const { createBuild: build } = await ctx.request(CreateBuildDocument, {
          input: { projectId, branch: target.branch, ...(target.commitSha ? { commitSha: target.commitSha } : {}) },
        });
        if (!opts.follow || opts.detach) {
          ctx.out.result(
            { build },
            `Queued build ${build.id} of ${build.branch} at ${shortSha(target.commitSha)}\nFollow it with \`slipway logs ${build.id} -f\``,
          );
          return;
        }
        if (ctx.out.json) ctx.out.jsonLine({ type: 'build', build });
        else ctx.out.info(`Building ${build.branch} at ${shortSha(target.commitSha)} (build ${build.id})`);
        return followAndReport(ctx, build.id, true, timeoutMs);
      }),
    );

  program
    .command('logs')
    .description("Print a build's log; with -f, follow it live until the build ends")
    .argument('<buildId>', 'the build (`slipway deploy` prints its id)')
    .option('-f, --follow', 'follow the log live until the build ends; exit 0 if it succeeds, 1 otherwise')
    .option('--reconnect-timeout <seconds>', RECONNECT_TIMEOUT_HELP, String(DEFAULT_RECONNECT_TIMEOUT_MS / 1000))
    .addHelpText(
      'after',
      `
Following survives a dropped connection or an API restart: it reconnects and goes on after the
last line printed, without losing or repeating one. Without the API for --reconnect-timeout
seconds in all, it gives up: NETWORK_ERROR, exit 1. Ctrl-C stops following (exit 130).

Examples:
  $ slipway logs 65f0c3e2a1b2c3d4e5f60718
  $ slipway logs 65f0c3e2a1b2c3d4e5f60718 -f
  $ slipway logs 65f0c3e2a1b2c3d4e5f60718 --json    # one JSON document per line`,
    )
    .action(
      action(async (ctx, buildId: string, opts: LogsOptions) => {
        if (!/^[0-9a-f]{24}$/i.test(buildId))
          throw new CliError(`${JSON.stringify(buildId)} is not a build id`, 'INVALID_BUILD_ID', EXIT_USAGE);
        const timeoutMs = reconnectTimeoutMs(opts.reconnectTimeout);
        const { build } = await ctx.request(BuildDocument, { id: buildId });
        if (!opts.follow) {
          await printStored(ctx, buildId, new LogCursor(), logPrinter(ctx));
          const { build: now } = await ctx.request(BuildDocument, { id: buildId });
          if (ctx.out.json) ctx.out.jsonLine({ type: 'result', build: now });
          else if (!FINISHED_STATUSES.includes(now.status))
            ctx.out.info(`Build ${now.id} ${STATUS_WORDS[now.status]}: \`slipway logs ${now.id} -f\` follows it`);
          else ctx.out.info(`Build ${now.id} ${STATUS_WORDS[now.status]}${now.error ? `: ${now.error}` : ''}`);
          return;
        }
        return followAndReport(ctx, build.id, false, timeoutMs);
      }),
    );
}
