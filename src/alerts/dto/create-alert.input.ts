import { Field, Float, ID, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { MetricAggregate } from '../../analytics/models/metric-aggregate.enum';
import { IsObjectId } from '../../common/validation/is-object-id';
import { AlertComparison, AlertNoData } from '../alert-state';
import { AlertChannel, AlertSeverity } from '../alert.schema';
import { AlertLabelInput } from './alert-label.input';

/** Longer than any valid label list, so that the rule checks can say what is wrong with it. */
export const MAX_LABEL_INPUTS = 20;

@InputType()
export class CreateAlertInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field({ description: 'What people are told, e.g. "API p95 latency high"; 1 to 100 characters.' })
  @IsString()
  @MaxLength(200)
  name!: string;

  @Field({ description: 'The metric whose points the rule reads, e.g. slipway.api.request or a metric of yours.' })
  @IsString()
  @MaxLength(200)
  metric!: string;

  @Field(() => [AlertLabelInput], {
    nullable: true,
    description: 'Only series carrying all these labels; at most 10. None: every series of the metric.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LABEL_INPUTS)
  @ValidateNested({ each: true })
  @Type(() => AlertLabelInput)
  labels?: AlertLabelInput[];

  @Field(() => MetricAggregate, { description: "How the window's points are reduced to the value compared." })
  @IsEnum(MetricAggregate)
  aggregate!: MetricAggregate;

  @Field(() => AlertComparison)
  @IsEnum(AlertComparison)
  comparison!: AlertComparison;

  @Field(() => Float)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  threshold!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      'Where a firing rule counts as recovered: for GT/GTE at or below the threshold, for LT/LTE at or above it. Default: the threshold.',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  recoveryThreshold?: number | null;

  @Field(() => Int, {
    description: 'The span the value is computed over, ending at each evaluation: 1 to 86400 seconds.',
  })
  @IsInt()
  window!: number;

  @Field(() => Int, {
    description:
      'How long the breach (and then the recovery) must hold before the rule fires (resolves): 0 to 86400 seconds.',
  })
  @IsInt()
  for!: number;

  @Field(() => AlertNoData, {
    defaultValue: AlertNoData.OK,
    description:
      'What a window with no point counts as (COUNT and SUM of no point are 0, a value, never no data). OK: not breaching, and recovered. ALERTING: breaching. KEEP_STATE: nothing changes.',
  })
  @IsEnum(AlertNoData)
  noData: AlertNoData = AlertNoData.OK;

  @Field(() => AlertSeverity)
  @IsEnum(AlertSeverity)
  severity!: AlertSeverity;

  @Field(() => [AlertChannel], {
    description: 'How firing and resolution are told; none: only the history and the live stream.',
  })
  @IsArray()
  @ArrayMaxSize(2)
  @IsEnum(AlertChannel, { each: true })
  channels!: AlertChannel[];

  @Field(() => Boolean, { defaultValue: true, description: 'A disabled rule is not evaluated.' })
  @IsBoolean()
  enabled: boolean = true;
}
