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
import type { Permission } from './permissions';

export interface LiveStreamOptions {
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
}

/**
 * The one way a subscription streams project data: it filters to the tenant, re-checks the
 * caller's session, permission and the project's own conditions (`OperationPolicies`: an IP
 * allowlist) every `LIVE_STREAM_RECHECK_SECONDS`, and ends the stream with an error
 * (UNAUTHENTICATED, FORBIDDEN, …) when access ends, recording that in the audit log as a denial. The guard authorized the stream when it opened.
 */
@Injectable()
export class LiveStreamsService {
  constructor(
    @Inject(PUB_SUB) private readonly pubSub: PubSubEngine,
    private readonly permissions: EffectivePermissionsService,
    private readonly authenticator: RequestAuthenticator,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly policies: OperationPolicies,
  ) {}

  open<T extends { projectId?: unknown }>(ctx: RequestContext, options: LiveStreamOptions): AsyncIterableIterator<T> {
    const check = async (): Promise<Error | undefined> => {
      const failure = await this.authenticator.revalidate(ctx);
      if (failure) return failure;
      if (!ctx.user) return new CommonException(CommonExceptionReason.UNAUTHENTICATED, 'Sign in to do this');
      const { permissions } = await this.permissions.forCaller(ctx, options.projectId);
      if (permissions.has(options.permission)) return this.policies.allow(ctx, options.projectId);
      return new CommonException(
        CommonExceptionReason.FORBIDDEN,
        `This stream ended: you no longer hold ${options.permission} in this project`,
        { permission: options.permission },
      );
    };
    return new LiveStream<T>(
      (options.source as AsyncIterator<T> | undefined) ?? this.pubSub.asyncIterableIterator<T>(options.trigger ?? []),
      (message) => message?.projectId === options.projectId,
      check,
      this.config.LIVE_STREAM_RECHECK_SECONDS * 1000,
      (failure) => void this.audit.recordDenied(ctx, options.operation, {}, options.projectId, failure),
    );
  }
}
