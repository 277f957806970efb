import { Field, Float, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { SeriesResult } from '../metrics.types';
import { MetricAggregate } from './metric-aggregate.enum';

/** The stored resolution a series was read from. */
export enum SeriesResolution {
  RAW = 'raw',
  MINUTE = 'minute',
  HOUR = 'hour',
  DAY = 'day',
}

registerEnumType(SeriesResolution, {
  name: 'MetricResolution',
  description: 'A stored resolution: raw points, or minute, hour and day buckets',
});

@ObjectType({ description: 'One step of a series.' })
export class MetricSeriesPoint {
  @Field({ description: 'The start of the step.' })
  at!: Date;

  @Field(() => Float, {
    nullable: true,
    description: 'When no point fell in the step: 0 for COUNT and SUM, null for the other aggregates.',
  })
  value!: number | null;
}

@ObjectType({ description: 'A metric over time: one value per step.' })
export class MetricSeries {
  @Field()
  name!: string;

  @Field(() => MetricAggregate)
  aggregate!: MetricAggregate;

  @Field(() => SeriesResolution, { description: 'The coarsest stored resolution that serves the step.' })
  resolution!: SeriesResolution;

  @Field(() => Int, { description: 'Seconds per point.' })
  step!: number;

  @Field(() => [MetricSeriesPoint])
  points!: MetricSeriesPoint[];

  static from(name: string, aggregate: MetricAggregate, step: number, result: SeriesResult): MetricSeries {
    return Object.assign(new MetricSeries(), {
      name,
      aggregate,
      resolution: result.resolution as SeriesResolution,
      step,
      points: result.points.map((point) => Object.assign(new MetricSeriesPoint(), point)),
    });
  }
}
