import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { MetricNameSummary } from '../metric-series.service';

/** Who records a metric. */
export enum MetricOrigin {
  USER = 'user',
  PLATFORM = 'platform',
}

registerEnumType(MetricOrigin, {
  name: 'MetricSource',
  description: 'USER: recorded through the API; PLATFORM: recorded by the platform from its own events',
});

@ObjectType({ description: 'A metric of the project.' })
export class MetricName {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true, description: 'The unit its latest series named, if any.' })
  unit!: string | null;

  @Field(() => MetricOrigin)
  source!: MetricOrigin;

  @Field(() => Int, { description: 'Its label sets.' })
  series!: number;

  @Field({ description: 'The time of its latest point.' })
  lastSeenAt!: Date;

  static from(summary: MetricNameSummary): MetricName {
    return Object.assign(new MetricName(), { ...summary, source: summary.source as MetricOrigin });
  }
}
