import { Field, ID, InputType } from '@nestjs/graphql';
import { IsObjectId } from '../../common/validation/is-object-id';

/** Names one build, for cancelBuild and retryBuild. */
@InputType()
export class BuildRefInput {
  @Field(() => ID)
  @IsObjectId()
  buildId!: string;
}
