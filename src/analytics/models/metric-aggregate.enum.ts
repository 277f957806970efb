import { registerEnumType } from '@nestjs/graphql';

/** How the points of a time span are reduced to one value. */
export enum MetricAggregate {
  SUM = 'SUM',
  AVG = 'AVG',
  MIN = 'MIN',
  MAX = 'MAX',
  COUNT = 'COUNT',
  STDDEV = 'STDDEV',
  P50 = 'P50',
  P95 = 'P95',
  P99 = 'P99',
}

registerEnumType(MetricAggregate, {
  name: 'MetricAggregate',
  description: 'How the points of a span are reduced: quantiles come from the stored sketch, within its stated error',
});
