import { Field, ID, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, ValidateNested } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { ANALYTICS_MAX_BATCH } from '../metric-rules';
import { MetricPointInput } from './metric-point.input';

@InputType()
export class RecordMetricsInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => [MetricPointInput], { description: `At most ${ANALYTICS_MAX_BATCH}; stored all or none.` })
  @IsArray()
  @ArrayMaxSize(ANALYTICS_MAX_BATCH)
  @ValidateNested({ each: true })
  @Type(() => MetricPointInput)
  points!: MetricPointInput[];
}
