import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsObjectId } from '../../common/validation/is-object-id';

@ArgsType()
export class MetricNamesArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;
}
