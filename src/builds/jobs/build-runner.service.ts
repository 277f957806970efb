import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Model } from 'mongoose';
import type { PubSubEngine } from 'graphql-subscriptions';
import { EventBus } from '../../common/events/event-bus';
import { PUB_SUB } from '../../common/pubsub/pubsub.token';
import { AppException } from '../../common/errors/app.exception';
import { toObjectId } from '../../common/mongo/object-id';
import { AppConfig } from '../../config/app-config';
import { DeploymentEnvironment } from '../../deployments/deployment.schema';
import { DeploymentsService } from '../../deployments/deployments.service';
import { EnvTarget } from '../../settings/env-vars/env-var.schema';
import { EnvVarsService } from '../../settings/env-vars/env-vars.service';
import { DEFAULT_LIMITS, EXECUTOR, type Execution, type Executor } from '../../executor/executor';
import { BuildDispatcherService } from '../build-dispatcher.service';
import { BuildHookPhase } from '../build-hook.schema';
import { BuildHooksService } from '../build-hooks.service';
import { BuildLogsService, type BuildLogWriter } from '../build-logs.service';
import { BuildSettingsService } from '../build-settings.service';
import { ProjectSettingsService } from '../../settings/project-settings.service';
import {
  BuildRecord,
  BuildStatus,
  StepStatus,
  type BuildCacheUseRecord,
  type DetectedRecord,
  type StepRecord,
} from '../build.schema';
import { BuildCacheService } from '../cache/build-cache.service';
import { CacheUse } from '../cache/build-cache.schema';
import { planCache } from '../cache/cache-plan';
import { detectConfiguration } from '../detect/framework-detection';
import {
  BuildCanceledEvent,
  BuildFailedEvent,
  BuildStartedEvent,
  BuildSucceededEvent,
  buildTiming,
} from '../events/build-lifecycle.event';
import { buildCancelTrigger } from '../build-log-stream';
import { checkout } from '../git/checkout';
import { parseRepositoryUrl } from '../git/repository-url';
import { directoryInside } from '../workspace-files';

/** Why a build stopped, in words for its log and record. */
class BuildStopped extends Error {
  constructor(
    message: string,
    readonly status: BuildStatus.FAILED | BuildStatus.TIMED_OUT | BuildStatus.CANCELED = BuildStatus.FAILED,
  ) {
    super(message);
  }
}

interface Run {
  record: BuildRecord;
  log: BuildLogWriter;
  steps: StepRecord[];
  deadline: number;
  /** Memory each of the build's processes may have: the project's maxBuildMemoryMb. */
  maxMemoryBytes: number;
  /** Set when the build is asked to stop; the running command is killed at once. */
  canceled: boolean;
  commitSha: string | null;
  /** The project's environment variables for this build's environment. */
  env: Record<string, string>;
  /** Hides the values of secret variables in what the build prints. */
  hideSecrets: (text: string) => string;
  execution?: Execution;
}

/** Where a cache archive sits in the workspace while it is unpacked or made. */
const CACHE_ARCHIVE = '.slipway-build-cache.tar.gz';

const WORKER_LOST = 'The worker running this build stopped before it finished; retry the build to run it again';

const canceled = (): BuildStopped => new BuildStopped('The build was canceled', BuildStatus.CANCELED);

/**
 * Runs one build on a worker: checkout, detection, install, build and package, each a recorded
 * step whose output goes to the build's log. Users' commands run through the executor (in the
 * sandbox); git runs as the worker, hardened. Any failure ends the build FAILED (or TIMED_OUT) with
 * the reason in its log and record, never as an unhandled error.
 */
@Injectable()
export class BuildRunnerService {
  private readonly logger = new Logger(BuildRunnerService.name);

  constructor(
    @InjectModel(BuildRecord.name) private readonly builds: Model<BuildRecord>,
    private readonly settings: BuildSettingsService,
    private readonly projectSettings: ProjectSettingsService,
    private readonly logs: BuildLogsService,
    @Inject(EXECUTOR) private readonly executor: Executor,
    private readonly events: EventBus,
    private readonly config: AppConfig,
    @Inject(PUB_SUB) private readonly pubSub: PubSubEngine,
    private readonly deployments: DeploymentsService,
    private readonly dispatcher: BuildDispatcherService,
    private readonly hooks: BuildHooksService,
    private readonly cache: BuildCacheService,
    private readonly envVars: EnvVarsService,
  ) {}

  /** Runs the build if it is still queued; returns how it ended (or its status, if it was not queued). */
  async run(buildId: string): Promise<BuildStatus> {
    const record = await this.builds
      .findOneAndUpdate(
        { _id: toObjectId(buildId), status: BuildStatus.QUEUED },
        { $set: { status: BuildStatus.RUNNING, startedAt: new Date() } },
        { returnDocument: 'after' },
      )
      .lean<BuildRecord>()
      .exec();
    if (!record) return this.notClaimed(buildId);
    const projectId = record.projectId.toHexString();
    await this.events.publish(
      new BuildStartedEvent(
        projectId,
        undefined,
        buildId,
        record.branch,
        BuildStatus.RUNNING,
        null,
        buildTiming(record),
      ),
    );
    const workspace = mkdtempSync(path.join(tmpdir(), 'slipway-build-'));
    // The sandbox runs as a user of its own, which must be able to reach the checkout inside.
    chmodSync(workspace, 0o711);
    const run: Run = {
      record,
      log: this.logs.writer(buildId, projectId),
      steps: [],
      deadline: 0,
      maxMemoryBytes: DEFAULT_LIMITS.maxMemoryBytes,
      canceled: false,
      commitSha: null,
      env: {},
      hideSecrets: (text) => text,
    };
    const cancelSubscription = await this.pubSub.subscribe(
      buildCancelTrigger(buildId),
      () => {
        run.canceled = true;
        void run.execution?.cancel();
      },
      {},
    );
    let status: BuildStatus = BuildStatus.SUCCEEDED;
    let error: string | null = null;
    try {
      await this.steps(run, path.join(workspace, 'src'));
      run.log.append('system', 'package', 'Build succeeded');
    } catch (failure) {
      const stopped =
        failure instanceof BuildStopped
          ? failure
          : failure instanceof AppException
            ? new BuildStopped(failure.message)
            : new BuildStopped(`The build stopped unexpectedly: ${(failure as Error).message}`);
      if (!(failure instanceof BuildStopped) && !(failure instanceof AppException)) {
        this.logger.error(`Build ${buildId} stopped unexpectedly`, (failure as Error).stack);
      }
      status = stopped.status;
      error = stopped.message;
      run.log.append('system', run.steps.at(-1)?.name ?? 'checkout', error);
    } finally {
      this.pubSub.unsubscribe(cancelSubscription);
      await run.log
        .flush()
        .catch((e: Error) => this.logger.error(`Could not store the log of build ${buildId}: ${e.message}`));
      rmSync(workspace, { recursive: true, force: true });
    }
    const finishedAt = new Date();
    await this.builds
      .updateOne(
        { _id: record._id },
        { $set: { status, error, finishedAt, steps: run.steps, logLines: run.log.lastSeq } },
      )
      .exec();
    await this.logs.finished(buildId, projectId, status, run.log.lastSeq);
    await this.dispatcher.release(buildId);
    const Event =
      status === BuildStatus.SUCCEEDED
        ? BuildSucceededEvent
        : status === BuildStatus.CANCELED
          ? BuildCanceledEvent
          : BuildFailedEvent;
    await this.events.publish(
      new Event(projectId, undefined, buildId, record.branch, status, error, buildTiming({ ...record, finishedAt })),
    );
    return status;
  }

  private async steps(run: Run, source: string): Promise<void> {
    const projectId = run.record.projectId.toHexString();
    const settings = await this.settings.record(projectId);
    // Read once: the build runs as the project was set up when it started.
    const { deployment: preferences, limits } = await this.projectSettings.get(projectId);
    const timeoutSeconds = Math.min(settings.timeoutSeconds, limits.maxBuildTimeoutSeconds);
    run.deadline = Date.now() + timeoutSeconds * 1000;
    run.maxMemoryBytes = limits.maxBuildMemoryMb * 1024 * 1024;
    if (timeoutSeconds < settings.timeoutSeconds) {
      run.log.append(
        'system',
        'checkout',
        `Timeout: ${timeoutSeconds} s, the project's limit (the build settings ask for ${settings.timeoutSeconds} s)`,
      );
    }
    await this.step(run, 'checkout', async () => {
      if (!settings.repositoryUrl) throw new BuildStopped('The project has no repository to build');
      const repository = parseRepositoryUrl(settings.repositoryUrl, this.config.ALLOW_LOCAL_REPOSITORIES);
      run.log.append('system', 'checkout', `Cloning ${repository.url} (branch ${run.record.branch})`);
      const done = await checkout({
        repository,
        branch: run.record.branch,
        commitSha: run.record.requestedCommit ?? undefined,
        directory: source,
        timeoutMs: this.remaining(run),
      });
      run.commitSha = done.commitSha;
      run.log.append('system', 'checkout', `Checked out ${done.commitSha.slice(0, 12)}: ${done.subject}`);
      await this.builds
        .updateOne({ _id: run.record._id }, { $set: { commitSha: done.commitSha, commitMessage: done.subject } })
        .exec();
    });
    // Links are resolved, and may not lead out of the checkout: the worker reads what is there.
    const root = directoryInside(source, settings.rootDirectory);
    if (!root) {
      throw new BuildStopped(`The root directory "${settings.rootDirectory}" is not in the repository`);
    }
    const detected: DetectedRecord = detectConfiguration(root);
    const plan = {
      install: settings.installCommand ?? detected.installCommand,
      build: settings.buildCommand ?? detected.buildCommand,
      output: settings.outputDirectory ?? detected.outputDirectory,
    };
    run.log.append(
      'system',
      'checkout',
      `Detected ${detected.framework}${detected.packageManager ? ` (${detected.packageManager})` : ''}; install: ${plan.install ?? 'none'}; build: ${plan.build ?? 'none'}; output: ${plan.output}`,
    );
    const environment = run.record.branch === preferences.productionBranch ? EnvTarget.PRODUCTION : EnvTarget.PREVIEW;
    const env = await this.envVars.forEnvironment(run.record.projectId.toHexString(), environment, run.record.branch);
    run.env = env.variables;
    run.hideSecrets = secretHider(env.secrets);
    const envKeys = Object.keys(env.variables);
    run.log.append(
      'system',
      'checkout',
      `Environment ${environment} (variables version ${env.version}): ${envKeys.length === 0 ? 'no variables' : envKeys.join(', ')}`,
    );
    await this.builds
      .updateOne({ _id: run.record._id }, { $set: { detected, envVersion: env.version, envKeys } })
      .exec();
    const cache = this.cachePlan(source, settings, detected, plan.install);
    await this.restoreCache(run, source, cache);
    const hooks = await this.hooks.list(run.record.projectId.toHexString());
    const commands: Array<{ name: string; command: string | null; continueOnError: boolean }> = [
      ...hooks
        .filter((h) => h.phase === BuildHookPhase.PRE_BUILD)
        .map((h, i) => ({ name: `pre-build ${i + 1}`, command: h.command, continueOnError: h.continueOnError })),
      { name: 'install', command: plan.install, continueOnError: false },
      { name: 'build', command: plan.build, continueOnError: false },
      ...hooks
        .filter((h) => h.phase === BuildHookPhase.POST_BUILD)
        .map((h, i) => ({ name: `post-build ${i + 1}`, command: h.command, continueOnError: h.continueOnError })),
    ];
    for (const { name, command, continueOnError } of commands) {
      if (!command) {
        this.skip(run, name);
        continue;
      }
      try {
        await this.step(run, name, () => this.execute(run, name, command, source, settings.rootDirectory));
      } catch (error) {
        if (!(continueOnError && error instanceof StepExit)) throw error;
        run.log.append('system', name, `${error.message}; the build goes on (the hook continues on error)`);
      }
    }
    await this.saveCache(run, source, cache);
    await this.step(run, 'package', async () => {
      // Made by the user's commands, which could leave a link to anywhere on the worker in its place.
      const output = directoryInside(source, path.join(settings.rootDirectory, plan.output));
      if (!output) {
        throw new BuildStopped(`The output directory "${plan.output}" was not produced`);
      }
      const production = run.record.branch === preferences.productionBranch;
      if (!production && !preferences.previewDeployments) {
        run.log.append('system', 'package', 'Preview deployments are off: nothing was deployed');
        return;
      }
      const deployment = await this.deployments.create(
        {
          projectId: run.record.projectId.toHexString(),
          buildId: run.record._id.toHexString(),
          branch: run.record.branch,
          commitSha: run.commitSha,
          environment: production ? DeploymentEnvironment.PRODUCTION : DeploymentEnvironment.PREVIEW,
          spaFallback: settings.spaFallback,
        },
        output,
      );
      await this.builds
        .updateOne({ _id: run.record._id }, { $set: { deploymentId: toObjectId(deployment.id) } })
        .exec();
      run.log.append(
        'system',
        'package',
        `Deployed ${deployment.fileCount} files (${deployment.sizeBytes} bytes) as ${deployment.environment} deployment ${deployment.id}: ${deployment.url}`,
      );
    });
  }

  /** What the build caches, and under which key; a cache of nothing is SKIPPED with the reason. */
  private cachePlan(
    source: string,
    settings: { rootDirectory: string; cacheDirectories: string[] },
    detected: DetectedRecord,
    installCommand: string | null,
  ): BuildCacheUseRecord {
    const planned = planCache({
      workspace: source,
      rootDirectory: settings.rootDirectory,
      packageManager: detected.packageManager,
      cacheDirectories: settings.cacheDirectories,
      installCommand,
    });
    return planned.key === null
      ? {
          status: CacheUse.SKIPPED,
          key: null,
          lockfiles: [],
          directories: [],
          reason: planned.reason,
          restoredBytes: null,
          savedBytes: null,
        }
      : { status: CacheUse.MISS, ...planned, reason: null, restoredBytes: null, savedBytes: null };
  }

  /** Unpacks the project's cache for the key into the workspace, in the sandbox, before anything is installed. */
  private async restoreCache(run: Run, source: string, cache: BuildCacheUseRecord): Promise<void> {
    const name = 'restore cache';
    const key = cache.key;
    if (key === null) {
      run.log.append('system', name, `No cache: ${cache.reason}`);
      this.skip(run, name);
    } else {
      await this.cacheStep(run, name, async () => {
        const archive = path.join(source, CACHE_ARCHIVE);
        rmSync(archive, { force: true });
        try {
          const bytes = await this.cache.restore(run.record.projectId.toHexString(), key, archive);
          if (bytes === null) {
            run.log.append('system', name, `No cache with key ${key.slice(0, 12)} yet (${cache.lockfiles.join(', ')})`);
            return;
          }
          await this.execute(run, name, `tar -x -z --no-same-owner -f ${CACHE_ARCHIVE}`, source, '');
          Object.assign(cache, { status: CacheUse.HIT, restoredBytes: bytes });
          run.log.append(
            'system',
            name,
            `Restored ${cache.directories.join(', ')} (${bytes} bytes, key ${key.slice(0, 12)})`,
          );
        } finally {
          rmSync(archive, { force: true });
        }
      });
    }
    await this.builds.updateOne({ _id: run.record._id }, { $set: { cache } }).exec();
  }

  /** Packs the cached directories, in the sandbox, and stores them under the key the build missed. */
  private async saveCache(run: Run, source: string, cache: BuildCacheUseRecord): Promise<void> {
    const name = 'save cache';
    const key = cache.key;
    if (key === null || cache.status === CacheUse.HIT) {
      if (key !== null) run.log.append('system', name, 'The cache is up to date: this key was restored');
      this.skip(run, name);
      return;
    }
    await this.cacheStep(run, name, async () => {
      // Only directories of the workspace itself: a link out would be archived as a link, not followed.
      const present = cache.directories.filter((directory) => directoryInside(source, directory));
      if (present.length === 0) {
        run.log.append('system', name, `Nothing to save: none of ${cache.directories.join(', ')} is there`);
        return;
      }
      const archive = path.join(source, CACHE_ARCHIVE);
      rmSync(archive, { force: true });
      try {
        const quoted = present.map((directory) => `'${directory}'`).join(' ');
        await this.execute(run, name, `tar -c -I 'gzip -1' -f ${CACHE_ARCHIVE} -- ${quoted}`, source, '');
        const saved = await this.cache.save(
          run.record.projectId.toHexString(),
          key,
          { directories: present, lockfiles: cache.lockfiles },
          archive,
        );
        if (!saved.kept) {
          run.log.append('system', name, `Not saved: ${saved.sizeBytes} bytes is more than the whole cache may hold`);
          return;
        }
        cache.savedBytes = saved.sizeBytes;
        run.log.append(
          'system',
          name,
          `Saved ${present.join(', ')} (${saved.sizeBytes} bytes, key ${key.slice(0, 12)})`,
        );
      } finally {
        rmSync(archive, { force: true });
      }
    });
    await this.builds.updateOne({ _id: run.record._id }, { $set: { cache } }).exec();
  }

  /**
   * A cache step: a failure (a broken archive, a full disk) is logged and the build goes on without
   * the cache; a cancel or the timeout still stops it.
   */
  private async cacheStep(run: Run, name: string, body: () => Promise<void>): Promise<void> {
    try {
      await this.step(run, name, body);
    } catch (error) {
      if (error instanceof BuildStopped && !(error instanceof StepExit) && error.status !== BuildStatus.FAILED) {
        throw error;
      }
      run.log.append('system', name, `${(error as Error).message}; the build goes on without the cache`);
    }
  }

  /** Records a step that had nothing to run. */
  private skip(run: Run, name: string): void {
    run.steps.push({
      name,
      status: StepStatus.SKIPPED,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      exitCode: null,
    });
  }

  /** Runs `body` as a recorded step; its exit code is what `body` returns, if anything. */
  private async step(run: Run, name: string, body: () => Promise<number | void>): Promise<void> {
    await this.stopIfCanceled(run);
    const step: StepRecord = {
      name,
      status: StepStatus.RUNNING,
      startedAt: new Date(),
      finishedAt: null,
      durationMs: null,
      exitCode: null,
    };
    run.steps.push(step);
    await this.saveSteps(run);
    try {
      const exitCode = await body();
      step.exitCode = typeof exitCode === 'number' ? exitCode : null;
      step.status = StepStatus.SUCCEEDED;
    } catch (error) {
      step.status = StepStatus.FAILED;
      if (error instanceof StepExit) step.exitCode = error.exitCode;
      throw error;
    } finally {
      step.finishedAt = new Date();
      step.durationMs = step.finishedAt.getTime() - step.startedAt!.getTime();
      await this.saveSteps(run);
    }
  }

  private async execute(run: Run, name: string, command: string, source: string, cwd: string): Promise<number> {
    run.log.append('system', name, `$ ${command}`);
    const execution = (run.execution = this.executor.run({
      command,
      workspace: source,
      cwd,
      env: run.env,
      network: true,
      limits: { ...DEFAULT_LIMITS, timeoutMs: this.remaining(run), maxMemoryBytes: run.maxMemoryBytes },
      onLine: (line) => run.log.append(line.stream, name, run.hideSecrets(line.text)),
    }));
    // A cancel that came while the command was starting.
    if (run.canceled) void execution.cancel();
    const result = await execution.result;
    run.execution = undefined;
    if (result.canceled || run.canceled) throw canceled();
    if (result.timedOut) throw new BuildStopped(`The build ran out of time during ${name}`, BuildStatus.TIMED_OUT);
    if (result.exitCode !== 0) {
      throw new StepExit(
        result.exitCode,
        result.exitCode === null
          ? `${name} was ended by ${result.signal}`
          : `${name} exited with code ${result.exitCode}`,
      );
    }
    return 0;
  }

  /**
   * A build handed over although it is not queued. Bull hands a job to another worker only when the
   * worker running it stopped renewing its lock, that is, died: a build still RUNNING then has no
   * one running it, and ends FAILED with the reason in its log. Any other state is left alone.
   */
  private async notClaimed(buildId: string): Promise<BuildStatus> {
    const orphan = await this.builds
      .findOneAndUpdate(
        { _id: toObjectId(buildId), status: BuildStatus.RUNNING },
        { $set: { status: BuildStatus.FAILED, error: WORKER_LOST, finishedAt: new Date() } },
        { returnDocument: 'after' },
      )
      .lean<BuildRecord>()
      .exec();
    if (!orphan) {
      return (await this.builds.findById(toObjectId(buildId)).lean<BuildRecord>().exec())?.status ?? BuildStatus.FAILED;
    }
    const projectId = orphan.projectId.toHexString();
    const log = this.logs.writer(buildId, projectId, await this.logs.lastStoredSeq(buildId));
    log.append('system', orphan.steps.at(-1)?.name ?? 'checkout', WORKER_LOST);
    await log.flush();
    await this.logs.finished(buildId, projectId, BuildStatus.FAILED, log.lastSeq);
    await this.dispatcher.release(buildId);
    await this.events.publish(
      new BuildFailedEvent(
        projectId,
        undefined,
        buildId,
        orphan.branch,
        BuildStatus.FAILED,
        WORKER_LOST,
        buildTiming(orphan),
      ),
    );
    this.logger.warn(`Build ${buildId} was running on a worker that stopped; marked failed`);
    return BuildStatus.FAILED;
  }

  /** Stops between steps when a cancel was asked for, even if its message never reached this worker. */
  private async stopIfCanceled(run: Run): Promise<void> {
    if (!run.canceled) {
      const current = await this.builds.findById(run.record._id, { cancelRequested: 1 }).lean<BuildRecord>().exec();
      run.canceled = current?.cancelRequested === true;
    }
    if (run.canceled) throw canceled();
  }

  private remaining(run: Run): number {
    const left = run.deadline - Date.now();
    if (left <= 0) throw new BuildStopped('The build ran out of time', BuildStatus.TIMED_OUT);
    return left;
  }

  private async saveSteps(run: Run): Promise<void> {
    await this.builds.updateOne({ _id: run.record._id }, { $set: { steps: run.steps } }).exec();
  }
}

/**
 * Replaces every secret value (of four characters or more: shorter ones would hide ordinary
 * text) in a line of output with a mask, longest first, as CI services do.
 */
function secretHider(secrets: string[]): (text: string) => string {
  // Output arrives line by line: each line of a multi-line secret is hidden on its own.
  const hidden = [...new Set(secrets.flatMap((s) => [s, ...s.split('\n')]).filter((s) => s.length >= 4))].sort(
    (a, b) => b.length - a.length,
  );
  if (hidden.length === 0) return (text) => text;
  return (text) => hidden.reduce((out, secret) => out.split(secret).join('••••••'), text);
}

/** A command that did not exit with 0. */
class StepExit extends BuildStopped {
  constructor(
    readonly exitCode: number | null,
    message: string,
  ) {
    super(message);
  }
}
