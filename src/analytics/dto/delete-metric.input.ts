import { Field, ID, InputType } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

@InputType()
export class DeleteMetricInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field({ description: "The metric's name; the platform's own (slipway.) cannot be deleted." })
  @IsString()
  @MaxLength(1_024)
  name!: string;
}
