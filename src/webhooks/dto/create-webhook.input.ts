import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayMinSize, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

export const MAX_WEBHOOK_EVENTS = 50;

@InputType()
export class CreateWebhookInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field({ description: 'The endpoint: an absolute http(s) URL reaching a public address.' })
  @IsString()
  @MaxLength(2_048)
  url!: string;

  @Field(() => [String], { description: 'Event names (build.failed), families (deployment.*) or * for every event.' })
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_WEBHOOK_EVENTS)
  events!: string[];

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;
}
