import { Field, InputType } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';

/** One label of a point or of a filter. Keys and values are held to the rules of docs/analytics.md. */
@InputType()
export class MetricLabelInput {
  @Field({ description: 'A letter or _, then up to 63 letters, digits or _.' })
  @IsString()
  @MaxLength(256)
  key!: string;

  @Field({ description: '1 to 128 characters.' })
  @IsString()
  @MaxLength(1_024)
  value!: string;
}
