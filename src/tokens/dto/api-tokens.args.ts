import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsOptional } from 'class-validator';
import { PageArgs } from '../../common/pagination/page.args';
import { IsObjectId } from '../../common/validation/is-object-id';

@ArgsType()
export class ApiTokensArgs extends PageArgs {
  @Field(() => ID, {
    nullable: true,
    description: "A project's tokens (needs token:read there). Omit for the caller's own tokens.",
  })
  @IsOptional()
  @IsObjectId()
  projectId?: string;
}
