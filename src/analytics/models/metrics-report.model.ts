import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ReportFormat } from './report-format.enum';

@ObjectType({
  description:
    'Every metric of a project over a span, one row per series and step, as a file: save `body` as `filename`.',
})
export class MetricsReport {
  @Field(() => ReportFormat)
  format!: ReportFormat;

  @Field({ description: '`application/json` or `text/csv; charset=utf-8`.' })
  contentType!: string;

  @Field()
  filename!: string;

  @Field({ description: 'The whole file.' })
  body!: string;

  @Field({ description: 'The start of the first step (`from`, down to a whole step).' })
  from!: Date;

  @Field({ description: 'The end of the last step (`to`, up to a whole step).' })
  to!: Date;

  @Field(() => Int, {
    description:
      'Seconds per row: 3600 for spans up to 7 days whose hour buckets are still kept, 86400 for the others.',
  })
  step!: number;

  @Field(() => Int)
  rowCount!: number;
}
