import { Field, ID, InputType } from '@nestjs/graphql';
import { IsOptional } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { FunctionRefInput } from './function-ref.input';

@InputType()
export class DeployFunctionInput extends FunctionRefInput {
  @Field(() => ID)
  @IsObjectId()
  versionId!: string;
}

@InputType()
export class RollbackFunctionInput extends FunctionRefInput {
  @Field(() => ID, {
    nullable: true,
    description: 'The version to go back to; the one active before the current one when omitted.',
  })
  @IsOptional()
  @IsObjectId()
  versionId?: string;
}
