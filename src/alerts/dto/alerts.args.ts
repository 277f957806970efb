import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsOptional } from 'class-validator';
import { PageArgs } from '../../common/pagination/page.args';
import { IsObjectId } from '../../common/validation/is-object-id';

@ArgsType()
export class AlertIdArgs {
  @Field(() => ID)
  @IsObjectId()
  id!: string;
}

@ArgsType()
export class AlertEventsArgs extends PageArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => ID, { nullable: true, description: "Only this rule's state changes." })
  @IsOptional()
  @IsObjectId()
  alertId?: string;
}
