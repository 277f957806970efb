import { Field, ID, InputType } from '@nestjs/graphql';
import { IsObjectId } from '../../common/validation/is-object-id';
import { MetricPointInput } from './metric-point.input';

@InputType()
export class RecordMetricInput extends MetricPointInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;
}
