import { Field, Float, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDate,
  IsNumber,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { MetricLabelInput } from './metric-label.input';

/** Labels a point's input may list; the rules allow fewer (10), refused as TOO_MANY_LABELS. */
export const MAX_LABEL_INPUTS = 64;

/** One point of `recordMetrics`. */
@InputType()
export class MetricPointInput {
  @Field({ description: 'A letter or _, then up to 127 letters, digits, _ . : or -; not starting `slipway.`.' })
  @IsString()
  @MaxLength(1_024)
  name!: string;

  @Field(() => Float)
  @IsNumber({ allowNaN: true, allowInfinity: true })
  value!: number;

  @Field(() => String, {
    nullable: true,
    description: 'What the value counts (ms, bytes, requests); up to 32 characters.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1_024)
  unit?: string | null;

  @Field(() => [MetricLabelInput], { nullable: true, description: 'At most 10, keys distinct.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LABEL_INPUTS)
  @ValidateNested({ each: true })
  @Type(() => MetricLabelInput)
  labels?: MetricLabelInput[] | null;

  @Field(() => Date, {
    nullable: true,
    description:
      'When it was observed (now when absent): at most ANALYTICS_MINUTE_RETENTION_DAYS less an hour ago, 5 minutes ahead.',
  })
  @IsOptional()
  @IsDate()
  at?: Date | null;
}
