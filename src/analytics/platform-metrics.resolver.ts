import { Args, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../access/access.decorators';
import { DashboardService } from './dashboard.service';
import { DashboardArgs } from './dto/dashboard.args';
import { MetricsReportArgs } from './dto/metrics-report.args';
import { MetricsReportService } from './metrics-report.service';
import { Dashboard } from './models/dashboard.model';
import { MetricsReport } from './models/metrics-report.model';

@Resolver()
export class PlatformMetricsResolver {
  constructor(
    private readonly dashboards: DashboardService,
    private readonly reports: MetricsReportService,
  ) {}

  @Query(() => Dashboard, {
    description:
      "The project's platform dashboard over a range: deployments, builds, functions, API requests and resource use, each with totals and a series.",
  })
  @RequirePermission('metric:read')
  dashboard(@Args() args: DashboardArgs): Promise<Dashboard> {
    return this.dashboards.dashboard(args.projectId, args.range);
  }

  @Query(() => MetricsReport, {
    description:
      'Every metric of the project over a span, per series and per hour (spans up to 7 days while hours are kept) or day, as JSON or CSV.',
  })
  @RequirePermission('metric:read')
  report(@Args() args: MetricsReportArgs): Promise<MetricsReport> {
    return this.reports.report(args.projectId, args.from, args.to, args.format);
  }
}
