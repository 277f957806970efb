import { Args, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { RequirePermission } from '../access/access.decorators';
import { ProjectScopeArgs } from '../access/dto/project-scope.args';
import { LiveStreamsService } from '../access/live-streams.service';
import { Ctx } from '../common/context/ctx.decorator';
import type { RequestContext } from '../common/context/request-context';
import { ConnectionType } from '../common/pagination/connection';
import { AlertHistoryService, alertEventsTrigger } from './alert-history.service';
import { AlertsService } from './alerts.service';
import { AlertRefInput } from './dto/alert-ref.input';
import { AlertEventsArgs, AlertIdArgs } from './dto/alerts.args';
import { CreateAlertInput } from './dto/create-alert.input';
import { MuteAlertInput } from './dto/mute-alert.input';
import { UpdateAlertInput } from './dto/update-alert.input';
import { Alert } from './models/alert.model';
import { AlertEvent, type AlertEventMessage } from './models/alert-event.model';

const AlertEventConnection = ConnectionType(AlertEvent);
const BY_INPUT_ALERT = { entity: 'alert', idArg: 'input.id' } as const;

@Resolver(() => Alert)
export class AlertsResolver {
  constructor(
    private readonly service: AlertsService,
    private readonly history: AlertHistoryService,
    private readonly streams: LiveStreamsService,
  ) {}

  @Mutation(() => Alert, {
    description:
      'Adds a threshold alert rule on a metric: the workers evaluate it every ALERT_EVALUATION_INTERVAL_MS from now on.',
  })
  @RequirePermission('alert:create', { projectIdArg: 'input.projectId' })
  createAlert(@Args('input') input: CreateAlertInput): Promise<Alert> {
    return this.service.create(input);
  }

  @Mutation(() => Alert, { description: 'Changes a rule; its state carries on under the new condition.' })
  @RequirePermission('alert:update', BY_INPUT_ALERT)
  updateAlert(@Ctx() ctx: RequestContext, @Args('input') input: UpdateAlertInput): Promise<Alert> {
    return this.service.update(ctx, input);
  }

  @Mutation(() => Boolean, {
    description:
      'Deletes a rule; a FIRING one is resolved first, told with who deleted it. Its history stays until it expires.',
  })
  @RequirePermission('alert:delete', BY_INPUT_ALERT)
  deleteAlert(@Ctx() ctx: RequestContext, @Args('input') input: AlertRefInput): Promise<boolean> {
    return this.service.delete(ctx, input.id);
  }

  @Mutation(() => Alert, {
    description:
      'Silences a rule until `until` (at most 30 days): it is still evaluated and recorded, and notifies no one.',
  })
  @RequirePermission('alert:update', BY_INPUT_ALERT)
  muteAlert(@Args('input') input: MuteAlertInput): Promise<Alert> {
    return this.service.mute(input);
  }

  @Mutation(() => Alert, { description: 'Ends a mute now.' })
  @RequirePermission('alert:update', BY_INPUT_ALERT)
  unmuteAlert(@Args('input') input: AlertRefInput): Promise<Alert> {
    return this.service.unmute(input.id);
  }

  @Mutation(() => Alert, {
    description:
      'Resolves a FIRING rule by hand, recorded and told with who did it. Still breaching, it goes PENDING again at its next evaluation.',
  })
  @RequirePermission('alert:update', BY_INPUT_ALERT)
  resolveAlert(@Ctx() ctx: RequestContext, @Args('input') input: AlertRefInput): Promise<Alert> {
    return this.service.resolve(ctx, input.id);
  }

  @Query(() => [Alert], { description: "A project's alert rules, in the order they were created." })
  @RequirePermission('alert:read')
  alerts(@Args() args: ProjectScopeArgs): Promise<Alert[]> {
    return this.service.list(args.projectId);
  }

  @Query(() => Alert)
  @RequirePermission('alert:read', { entity: 'alert', idArg: 'id' })
  alert(@Args() args: AlertIdArgs): Promise<Alert> {
    return this.service.get(args.id);
  }

  @Query(() => AlertEventConnection, {
    name: 'alertEvents',
    description: "The project's alert state changes (or one rule's), newest first.",
  })
  @RequirePermission('alert:read')
  alertHistory(@Args() args: AlertEventsArgs): Promise<InstanceType<typeof AlertEventConnection>> {
    return this.history.list(args);
  }

  @Subscription(() => AlertEvent, {
    name: 'alertEvents',
    description:
      "The project's alerts firing and resolving, as they do, from every process; muted rules' too, flagged muted.",
    // Messages cross Redis as JSON, so the time arrives as a string.
    resolve: (message: AlertEventMessage) => AlertEvent.fromMessage(message),
  })
  @RequirePermission('alert:read')
  alertEventsStream(@Ctx() ctx: RequestContext, @Args() args: ProjectScopeArgs) {
    return this.streams.open<AlertEventMessage>(ctx, {
      trigger: alertEventsTrigger(args.projectId),
      projectId: args.projectId,
      permission: 'alert:read',
      operation: 'subscription.alertEvents',
    });
  }
}
