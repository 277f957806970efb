import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { MAX_WEBHOOK_EVENTS } from './create-webhook.input';

@InputType({ description: 'What to change; fields left out stay as they are.' })
export class UpdateWebhookInput {
  @Field(() => ID)
  @IsObjectId()
  id!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2_048)
  url?: string;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_WEBHOOK_EVENTS)
  events?: string[];

  @Field(() => String, { nullable: true, description: 'An empty string removes the description.' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @Field(() => Boolean, {
    nullable: true,
    description: 'false stops deliveries; true resumes them (and clears a disabling by the platform).',
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
