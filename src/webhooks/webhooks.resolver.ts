import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../access/access.decorators';
import { AuditSecretArgs } from '../audit/audit-project.decorator';
import { Ctx } from '../common/context/ctx.decorator';
import type { RequestContext } from '../common/context/request-context';
import { ConnectionType } from '../common/pagination/connection';
import { CreateWebhookInput } from './dto/create-webhook.input';
import { RedeliverWebhookInput } from './dto/redeliver-webhook.input';
import { RotateWebhookSecretInput } from './dto/rotate-webhook-secret.input';
import { UpdateWebhookInput } from './dto/update-webhook.input';
import { WebhookRefInput } from './dto/webhook-ref.input';
import { WebhookDeliveriesArgs, WebhookIdArgs, WebhooksArgs } from './dto/webhooks.args';
import { CreatedWebhook, Webhook } from './models/webhook.model';
import { WebhookDelivery } from './models/webhook-delivery.model';
import { WebhooksService } from './webhooks.service';

const WebhookConnection = ConnectionType(Webhook);
const WebhookDeliveryConnection = ConnectionType(WebhookDelivery);
const BY_INPUT_WEBHOOK = { entity: 'webhook', idArg: 'input.id' } as const;

@Resolver(() => Webhook)
export class WebhooksResolver {
  constructor(private readonly service: WebhooksService) {}

  @Mutation(() => CreatedWebhook, {
    description:
      "Adds an endpoint the project's matching events are sent to. Its signing secret is in the answer, and only there.",
  })
  @RequirePermission('webhook:create', { projectIdArg: 'input.projectId' })
  // A receiver's URL path can be a credential (chat services' incoming hooks).
  @AuditSecretArgs('input.url')
  createWebhook(@Ctx() ctx: RequestContext, @Args('input') input: CreateWebhookInput): Promise<CreatedWebhook> {
    return this.service.create(ctx, input);
  }

  @Mutation(() => Webhook, { description: "Changes an endpoint's URL, events, description, or whether it is enabled." })
  @RequirePermission('webhook:update', BY_INPUT_WEBHOOK)
  @AuditSecretArgs('input.url')
  updateWebhook(@Ctx() ctx: RequestContext, @Args('input') input: UpdateWebhookInput): Promise<Webhook> {
    return this.service.update(ctx, input);
  }

  @Mutation(() => Boolean, { description: 'Removes an endpoint and its delivery history; nothing more is sent to it.' })
  @RequirePermission('webhook:delete', BY_INPUT_WEBHOOK)
  deleteWebhook(@Ctx() ctx: RequestContext, @Args('input') input: WebhookRefInput): Promise<boolean> {
    return this.service.delete(ctx, input.id);
  }

  @Mutation(() => CreatedWebhook, {
    description:
      'Makes a new signing secret, shown only now. Until the grace period ends, deliveries are signed with the old one as well.',
  })
  @RequirePermission('webhook:update', BY_INPUT_WEBHOOK)
  rotateWebhookSecret(
    @Ctx() ctx: RequestContext,
    @Args('input') input: RotateWebhookSecretInput,
  ): Promise<CreatedWebhook> {
    return this.service.rotateSecret(ctx, input);
  }

  @Mutation(() => WebhookDelivery, { description: 'Sends the endpoint a webhook.ping event; returns its delivery.' })
  @RequirePermission('webhook:update', BY_INPUT_WEBHOOK)
  testWebhook(@Ctx() ctx: RequestContext, @Args('input') input: WebhookRefInput): Promise<WebhookDelivery> {
    return this.service.test(ctx, input.id);
  }

  @Mutation(() => WebhookDelivery, {
    description: "Sends a delivery's event again (same webhook-id), after the endpoint's other deliveries.",
  })
  @RequirePermission('webhook:update', { entity: 'webhookDelivery', idArg: 'input.deliveryId' })
  redeliverWebhook(@Args('input') input: RedeliverWebhookInput): Promise<WebhookDelivery> {
    return this.service.redeliver(input.deliveryId);
  }

  @Query(() => WebhookConnection, { description: "A project's webhook endpoints, newest first." })
  @RequirePermission('webhook:read')
  webhooks(@Args() args: WebhooksArgs): Promise<InstanceType<typeof WebhookConnection>> {
    return this.service.list(args.projectId, args);
  }

  @Query(() => Webhook)
  @RequirePermission('webhook:read', { entity: 'webhook', idArg: 'id' })
  webhook(@Args() args: WebhookIdArgs): Promise<Webhook> {
    return this.service.get(args.id);
  }

  @Query(() => WebhookDeliveryConnection, { description: "An endpoint's deliveries, newest first." })
  @RequirePermission('webhook:read', { entity: 'webhook', idArg: 'webhookId' })
  webhookDeliveries(@Args() args: WebhookDeliveriesArgs): Promise<InstanceType<typeof WebhookDeliveryConnection>> {
    return this.service.listDeliveries(args);
  }
}
