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
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MetricAggregate } from '../../analytics/models/metric-aggregate.enum';
import { IsObjectId } from '../../common/validation/is-object-id';
import { AlertComparison, AlertNoData } from '../alert-state';
import { AlertChannel, AlertSeverity } from '../alert.schema';
import { AlertLabelInput } from './alert-label.input';
import { MAX_LABEL_INPUTS } from './create-alert.input';

@InputType({ description: 'What to change; fields left out stay as they are.' })
export class UpdateAlertInput {
  @Field(() => ID)
  @IsObjectId()
  id!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  metric?: string;

  @Field(() => [AlertLabelInput], { nullable: true, description: 'Replaces the labels; [] for none.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LABEL_INPUTS)
  @ValidateNested({ each: true })
  @Type(() => AlertLabelInput)
  labels?: AlertLabelInput[];

  @Field(() => MetricAggregate, { nullable: true })
  @IsOptional()
  @IsEnum(MetricAggregate)
  aggregate?: MetricAggregate;

  @Field(() => AlertComparison, { nullable: true })
  @IsOptional()
  @IsEnum(AlertComparison)
  comparison?: AlertComparison;

  @Field(() => Float, { nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  threshold?: number;

  @Field(() => Float, { nullable: true, description: 'null goes back to the default: the threshold.' })
  @ValidateIf((_input: object, value: unknown) => value !== undefined && value !== null)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  recoveryThreshold?: number | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  window?: number;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  for?: number;

  @Field(() => AlertNoData, { nullable: true })
  @IsOptional()
  @IsEnum(AlertNoData)
  noData?: AlertNoData;

  @Field(() => AlertSeverity, { nullable: true })
  @IsOptional()
  @IsEnum(AlertSeverity)
  severity?: AlertSeverity;

  @Field(() => [AlertChannel], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2)
  @IsEnum(AlertChannel, { each: true })
  channels?: AlertChannel[];

  @Field(() => Boolean, {
    nullable: true,
    description: 'false stops evaluating the rule: a firing rule is resolved, a pending one goes back to OK.',
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
