import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageArgs } from '../../common/pagination/page.args';
import { IsObjectId } from '../../common/validation/is-object-id';
import { WebhookDeliveryStatus } from '../webhook-delivery.schema';

@ArgsType()
export class WebhooksArgs extends PageArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;
}

@ArgsType()
export class WebhookIdArgs {
  @Field(() => ID)
  @IsObjectId()
  id!: string;
}

@ArgsType()
export class WebhookDeliveriesArgs extends PageArgs {
  @Field(() => ID)
  @IsObjectId()
  webhookId!: string;

  @Field(() => WebhookDeliveryStatus, { nullable: true })
  @IsOptional()
  @IsEnum(WebhookDeliveryStatus)
  status?: WebhookDeliveryStatus;

  @Field(() => String, {
    nullable: true,
    description: 'Only deliveries of this event (settings.updated, webhook.ping).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  event?: string;
}
