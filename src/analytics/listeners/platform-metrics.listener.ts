import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  BuildCanceledEvent,
  BuildFailedEvent,
  BuildStartedEvent,
  BuildSucceededEvent,
  type BuildLifecycleEvent,
} from '../../builds/events/build-lifecycle.event';
import { ExpiringCache } from '../../common/cache/expiring-cache';
import { MEASURED, type Measurement } from '../../common/events/measurement';
import { isObjectId } from '../../common/mongo/object-id';
import { DeploymentCreatedEvent } from '../../deployments/events/deployment-lifecycle.event';
import {
  FunctionFailedEvent,
  FunctionInvokedEvent,
  type FunctionInvocationEvent,
} from '../../functions/events/function-lifecycle.event';
import { ProjectDeletedEvent } from '../../projects/events/project-deleted.event';
import { ProjectExceptionReason } from '../../projects/project.exception';
import { ProjectsService } from '../../projects/projects.service';
import { MetricsRecorderService } from '../metrics-recorder.service';
import type { MetricPoint } from '../metrics.types';
import { PlatformMetric } from '../platform-metrics';

/** How often one kind of failure to record is logged, at most. */
const LOG_EVERY_MS = 60_000;
/** How long, and how many, projects found gone are remembered, so that what is measured of them after is dropped unread. */
const DELETED_FOR_MS = 10 * 60_000;
const DELETED_KEPT = 10_000;

/**
 * The platform's own metrics: builds, deployments and function invocations from their domain
 * events, webhook deliveries and API operations from their measurements. Each becomes points
 * recorded for the project with `source: 'platform'`. Nothing here holds up whoever announced the
 * fact: recording is never awaited on the publisher's path, and a point that cannot be recorded is
 * logged (once a minute per reason), never thrown back.
 */
@Injectable()
export class PlatformMetricsListener {
  private readonly logger = new Logger(PlatformMetricsListener.name);
  /** Per reason, when it was last logged and how many were not logged since. */
  private readonly failures = new Map<string, { loggedAt: number; unlogged: number }>();
  /**
   * Projects found gone lately: deleted by this process, or found missing before recording. Their
   * metrics went with them; what is measured of them afterwards (the deleteProject operation
   * itself, a webhook attempt or a build finishing on a worker) would start new series of a
   * project that no longer exists, which nothing would remove.
   */
  private readonly deleted = new ExpiringCache<true>(DELETED_KEPT, DELETED_FOR_MS);

  constructor(
    private readonly recorder: MetricsRecorderService,
    private readonly projects: ProjectsService,
  ) {}

  @OnEvent(ProjectDeletedEvent.eventName)
  projectDeleted(event: ProjectDeletedEvent): void {
    if (event.projectId) this.deleted.set(event.projectId, true, this.deleted.generation());
  }

  @OnEvent(BuildStartedEvent.eventName)
  buildStarted(event: BuildStartedEvent): void {
    const timing = event.timing;
    if (!event.projectId || !timing?.startedAt) return;
    const startedAt = new Date(timing.startedAt);
    this.record(event.projectId, [
      {
        name: PlatformMetric.BUILD_QUEUE_WAIT,
        value: Math.max(0, startedAt.getTime() - new Date(timing.queuedAt).getTime()),
        unit: 'ms',
        at: startedAt,
      },
    ]);
  }

  /** A build that ran: how long, and how it ended (a timeout is a failure). One canceled before it started has no duration. */
  @OnEvent(BuildSucceededEvent.eventName)
  @OnEvent(BuildFailedEvent.eventName)
  @OnEvent(BuildCanceledEvent.eventName)
  buildFinished(event: BuildLifecycleEvent): void {
    const timing = event.timing;
    if (!event.projectId || !timing?.startedAt || !timing.finishedAt) return;
    const finishedAt = new Date(timing.finishedAt);
    const outcome =
      event.name === BuildSucceededEvent.eventName
        ? 'succeeded'
        : event.name === BuildCanceledEvent.eventName
          ? 'canceled'
          : 'failed';
    this.record(event.projectId, [
      {
        name: PlatformMetric.BUILD_DURATION,
        value: Math.max(0, finishedAt.getTime() - new Date(timing.startedAt).getTime()),
        unit: 'ms',
        labels: { outcome },
        at: finishedAt,
      },
    ]);
  }

  @OnEvent(DeploymentCreatedEvent.eventName)
  deploymentCreated(event: DeploymentCreatedEvent): void {
    if (!event.projectId) return;
    this.record(event.projectId, [
      {
        name: PlatformMetric.DEPLOYMENT_CREATED,
        value: 1,
        unit: 'count',
        labels: { kind: event.environment.toLowerCase() },
        at: new Date(event.occurredAt),
      },
    ]);
  }

  /**
   * Every production invocation (test runs announce nothing): how long it ran, whether it failed,
   * whether it started cold. One that failed with no duration (its code never ran, or its worker
   * stopped) is counted apart, so that it does not pull durations down as a 0.
   */
  @OnEvent(FunctionInvokedEvent.eventName)
  @OnEvent(FunctionFailedEvent.eventName)
  functionInvoked(event: FunctionInvocationEvent): void {
    if (!event.projectId) return;
    // A function deleted meanwhile is named by its id.
    const fn = event.functionName || event.functionId;
    if (event.durationMs === null) {
      this.record(event.projectId, [
        {
          name: PlatformMetric.FUNCTION_UNTIMED,
          value: 1,
          unit: 'count',
          labels: { function: fn },
          at: new Date(event.occurredAt),
        },
      ]);
      return;
    }
    this.record(event.projectId, [
      {
        name: PlatformMetric.FUNCTION_INVOCATION,
        value: event.durationMs,
        unit: 'ms',
        labels: {
          function: fn,
          status: event.name === FunctionInvokedEvent.eventName ? 'ok' : 'error',
          cold: String(event.coldStart),
        },
        at: new Date(event.occurredAt),
      },
    ]);
  }

  /** Webhook deliveries and API operations; taken on a later turn, so the emitter pays only the emit. */
  @OnEvent(MEASURED, { async: true })
  measured(measurement: Measurement): void {
    const { projectId, name, value, unit, labels, at } = measurement;
    this.record(projectId, [{ name, value, unit, labels, at }]);
  }

  /**
   * Records the points unless the project is gone. Whether it exists is read through
   * `ProjectsService.get`, whose cache every process forgets a project from as soon as it is
   * deleted, so a worker that never hears of the deletion still finds it gone.
   */
  private record(projectId: string, points: MetricPoint[]): void {
    if (this.deleted.get(projectId)) return;
    const generation = this.deleted.generation();
    this.exists(projectId)
      .then((exists) => {
        if (!exists) {
          this.deleted.set(projectId, true, generation);
          return;
        }
        return this.recorder.record(projectId, points, 'platform');
      })
      .catch((error: unknown) => this.failed(points, error));
  }

  private async exists(projectId: string): Promise<boolean> {
    if (!isObjectId(projectId)) return false;
    try {
      await this.projects.get(projectId);
      return true;
    } catch (error) {
      if ((error as { reason?: unknown }).reason === ProjectExceptionReason.PROJECT_NOT_FOUND) return false;
      throw error;
    }
  }

  private failed(points: MetricPoint[], error: unknown): void {
    const reason = (error as { reason?: unknown }).reason;
    const key = `${points[0]?.name}:${typeof reason === 'string' ? reason : (error as Error).message}`;
    const now = Date.now();
    const seen = this.failures.get(key);
    if (seen && now - seen.loggedAt < LOG_EVERY_MS) {
      seen.unlogged += 1;
      return;
    }
    const more = seen?.unlogged ? ` (and ${seen.unlogged} more since the last report)` : '';
    this.failures.set(key, { loggedAt: now, unlogged: 0 });
    if (this.failures.size > 1_000) this.failures.clear();
    this.logger.warn(`Could not record ${points[0]?.name}${more}: ${(error as Error).message}`);
  }
}
