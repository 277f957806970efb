import { registerEnumType } from '@nestjs/graphql';

/** The spans a dashboard shows, each ending with the step now runs in. */
export enum DashboardRange {
  LAST_24_HOURS = 'LAST_24_HOURS',
  LAST_7_DAYS = 'LAST_7_DAYS',
  LAST_30_DAYS = 'LAST_30_DAYS',
}

registerEnumType(DashboardRange, {
  name: 'DashboardRange',
  description: '24 hourly steps, or 7 or 30 daily steps (UTC), the last one the current hour or day',
});
