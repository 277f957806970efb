import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDate,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { MetricAggregate } from '../models/metric-aggregate.enum';
import { MetricLabelInput } from './metric-label.input';
import { MAX_LABEL_INPUTS } from './metric-point.input';

@ArgsType()
export class MetricSeriesArgs {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field()
  @IsString()
  @MaxLength(1_024)
  name!: string;

  @Field(() => Date, { description: 'The span is [from, to); steps overlapping it are answered, each whole.' })
  @IsDate()
  from!: Date;

  @Field(() => Date)
  @IsDate()
  to!: Date;

  @Field(() => Int, {
    description: 'Seconds per point: a positive multiple of 60. Steps start at multiples of it (UTC).',
  })
  @IsInt()
  step!: number;

  @Field(() => [MetricLabelInput], {
    nullable: true,
    description: 'Only series whose labels include every one of these (a subset match).',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LABEL_INPUTS)
  @ValidateNested({ each: true })
  @Type(() => MetricLabelInput)
  labels?: MetricLabelInput[] | null;

  @Field(() => MetricAggregate)
  @IsEnum(MetricAggregate)
  aggregate!: MetricAggregate;
}
