import { Field, InputType } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';

@InputType({
  description: 'A label the metric series must carry: the rule reads the series whose labels include all of its.',
})
export class AlertLabelInput {
  @Field()
  @IsString()
  @MaxLength(200)
  key!: string;

  @Field()
  @IsString()
  @MaxLength(200)
  value!: string;
}
