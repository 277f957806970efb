import { Field, ID, InputType } from '@nestjs/graphql';
import { IsObjectId } from '../../common/validation/is-object-id';

/** The project and user an access change is about; the inputs below extend it. */
@InputType({ isAbstract: true })
export abstract class ProjectMemberInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => ID)
  @IsObjectId()
  userId!: string;
}
