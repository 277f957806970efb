import { Field, ID, InputType } from '@nestjs/graphql';
import { IsObjectId } from '../../common/validation/is-object-id';

/** Names a project, for mutations that act on the project's build configuration as a whole. */
@InputType()
export class ProjectRefInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;
}
