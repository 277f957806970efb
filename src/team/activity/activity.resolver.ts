import { Args, Query, Resolver, Subscription } from '@nestjs/graphql';
import { RequirePermission } from '../../access/access.decorators';
import { ProjectScopeArgs } from '../../access/dto/project-scope.args';
import { EffectivePermissionsService } from '../../access/effective-permissions.service';
import { LiveStreamsService } from '../../access/live-streams.service';
import { Ctx } from '../../common/context/ctx.decorator';
import type { RequestContext } from '../../common/context/request-context';
import { ConnectionType } from '../../common/pagination/connection';
import { hiddenTypes, mayRead } from '../../access/read-permissions';
import { activityTrigger, ActivityService } from './activity.service';
import { ActivityArgs } from './dto/activity.args';
import { ActivityEntry, type ActivityMessage } from './models/activity-entry.model';

const ActivityConnection = ConnectionType(ActivityEntry);

@Resolver()
export class ActivityResolver {
  constructor(
    private readonly service: ActivityService,
    private readonly streams: LiveStreamsService,
    private readonly permissions: EffectivePermissionsService,
  ) {}

  @Query(() => ActivityConnection, {
    description:
      'The project’s activity feed, newest first: every event of the project as actor, verb and object. Entries about members and invitations, env vars, tokens, roles and webhooks are listed only to callers who may read those.',
  })
  @RequirePermission('project:read')
  async activity(@Ctx() ctx: RequestContext, @Args() args: ActivityArgs) {
    const { permissions } = await this.permissions.forCaller(ctx, args.projectId);
    return this.service.list(args, hiddenTypes(permissions));
  }

  @Subscription(() => ActivityEntry, {
    description:
      'Each new entry of the project’s activity feed, in order, from every process, those the caller may read only (as `activity`). Ends with an error when the caller loses access.',
    resolve: (message: ActivityMessage) => ActivityEntry.fromMessage(message),
  })
  @RequirePermission('project:read')
  activityAdded(@Ctx() ctx: RequestContext, @Args() args: ProjectScopeArgs) {
    return this.streams.open<ActivityMessage>(ctx, {
      trigger: activityTrigger(args.projectId),
      projectId: args.projectId,
      permission: 'project:read',
      operation: 'subscription.activityAdded',
      visible: (message, permissions) => mayRead(message.object.type, permissions),
    });
  }
}
