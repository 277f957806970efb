import { Inject, Injectable } from '@nestjs/common';
import type { PubSubEngine } from 'graphql-subscriptions';
import { AuditService } from '../audit/audit.service';
import { RequestAuthenticator } from '../auth/request-authenticator';
import type { RequestContext } from '../common/context/request-context';
import { CommonException, CommonExceptionReason } from '../common/errors/app.exception';
import { PUB_SUB } from '../common/pubsub/pubsub.token';
import { AppConfig } from '../config/app-config';
import { EffectivePermissionsService } from './effective-permissions.service';
import { LiveStream } from './live-stream';
import { OperationPolicies } from './operation-policies';
import { ResourceLocator } from './resource-locator';
import type { Permission } from './permissions';

export interface LiveStreamOptions<T = unknown> {
  /** The PubSub trigger the stream's messages are published on (unless `source` is given). */
  trigger?: string;
  /** The project (tenant) the stream belongs to; messages of any other project are dropped. */
  projectId: string;
  /** What the subscriber must keep holding in the project for the stream to stay open. */
  permission: Permission;
  /** The subscription, for the audit entry written when the stream is ended (`subscription.projectEvents`). */
  operation: string;
  /**
   * Where the messages come from, when not straight from the trigger: a feature that replays stored
   * data before going live (a build's log) hands its own iterator, and gets the same checks.
   */
  source?: AsyncIterator<unknown>;
  /**
   * Which of the tenant's messages this subscriber may see, given what they hold in the project
   * now: a stream whose messages are read with different permissions (the activity feed's) drops
   * the others. Without it, every message of the tenant is delivered.
   */
  visible?: (message: T, permissions: ReadonlySet<Permission>) => boolean;
}

/**
 * The one way a subscription streams project data: it filters to the tenant, re-checks the
 * caller's session, permission and the project's own conditions (`OperationPolicies`: an IP
 * allowlist) every `LIVE_STREAM_RECHECK_SECONDS`, and ends the stream with an error
 * (UNAUTHENTICATED, FORBIDDEN, …) when access ends, recording that in the audit log as a denial. The guard authorized the stream when it opened.
 * When a project's access changes in any process (a member removed, a role taken away), every
 * stream of that project open in this process is re-checked at once, not at its next interval.
 */
@Injectable()
export class LiveStreamsService {
  /** The open streams of each project, to re-check when the project's access changes. */
  private readonly streams = new Map<string, Set<LiveStream<unknown>>>();

  constructor(
    @Inject(PUB_SUB) private readonly pubSub: PubSubEngine,
    private readonly permissions: EffectivePermissionsService,
    private readonly authenticator: RequestAuthenticator,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly policies: OperationPolicies,
    private readonly locator: ResourceLocator,
  ) {
    permissions.onInvalidated((projectId) => this.recheckProject(projectId));
  }

  /** How many streams are open in this process, for a project or in all. */
  openCount(projectId?: string): number {
    if (projectId !== undefined) return this.streams.get(projectId)?.size ?? 0;
    let count = 0;
    for (const streams of this.streams.values()) count += streams.size;
    return count;
  }

  open<T extends { projectId?: unknown }>(
    ctx: RequestContext,
    options: LiveStreamOptions<T>,
  ): AsyncIterableIterator<T> {
    const check = async (): Promise<Error | undefined> => {
      const failure = await this.authenticator.revalidate(ctx);
      if (failure) return failure;
      if (!ctx.user) return new CommonException(CommonExceptionReason.UNAUTHENTICATED, 'Sign in to do this');
      const { permissions } = await this.permissions.forCaller(ctx, options.projectId);
      if (permissions.has(options.permission)) return this.policies.allow(ctx, options.projectId);
      // Access ends with the project: say so, rather than that a permission was lost.
      if (
        permissions.size === 0 &&
        this.locator.has('project') &&
        !(await this.locator.projectOf('project', options.projectId))
      ) {
        return new CommonException(CommonExceptionReason.NOT_FOUND, 'This stream ended: the project was deleted');
      }
      return new CommonException(
        CommonExceptionReason.FORBIDDEN,
        `This stream ended: you no longer hold ${options.permission} in this project`,
        { permission: options.permission },
      );
    };
    const { projectId, visible } = options;
    let open = this.streams.get(projectId);
    if (!open) this.streams.set(projectId, (open = new Set()));
    const streams = open;
    const stream: LiveStream<T> = new LiveStream<T>(
      (options.source as AsyncIterator<T> | undefined) ?? this.pubSub.asyncIterableIterator<T>(options.trigger ?? []),
      (message) => message?.projectId === projectId && (!visible || this.visibleTo(ctx, projectId, message, visible)),
      check,
      this.config.LIVE_STREAM_RECHECK_SECONDS * 1000,
      (failure) => void this.audit.recordDenied(ctx, options.operation, {}, projectId, failure),
      () => {
        streams.delete(stream as LiveStream<unknown>);
        if (streams.size === 0 && this.streams.get(projectId) === streams) this.streams.delete(projectId);
      },
    );
    streams.add(stream as LiveStream<unknown>);
    return stream;
  }

  /**
   * Whether the subscriber may see a message, by what they hold in the project now (cached, and
   * dropped whenever the project's access changes). When that cannot be read, the message is
   * dropped: the stream's own checks end it if access is really gone.
   */
  private async visibleTo<T>(
    ctx: RequestContext,
    projectId: string,
    message: T,
    visible: (message: T, permissions: ReadonlySet<Permission>) => boolean,
  ): Promise<boolean> {
    try {
      const { permissions } = await this.permissions.forCaller(ctx, projectId);
      return visible(message, permissions);
    } catch {
      return false;
    }
  }

  /** Re-checks the streams of a project (of every project when none is named) at once. */
  private recheckProject(projectId: string | undefined): void {
    const groups = projectId === undefined ? [...this.streams.values()] : [this.streams.get(projectId)];
    for (const group of groups) for (const stream of group ?? []) void stream.recheckNow();
  }
}
