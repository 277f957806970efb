import { Controller, Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../access/access.decorators';
import { AuditService } from '../audit/audit.service';
import { BackingServiceChecks } from './backing-service-checks';

interface Readiness {
  status: 'ok' | 'unavailable';
  checks: Record<'mongodb' | 'redis' | 'audit', string>;
  audit: { pending: number; lost: number };
}

@Controller()
export class HealthController {
  constructor(
    private readonly checks: BackingServiceChecks,
    private readonly audit: AuditService,
  ) {}

  /** The process is up. */
  @Get('healthz')
  @Public()
  @HttpCode(HttpStatus.OK)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * The process can serve: MongoDB and Redis answer, and the audit log has room (a full backlog
   * refuses mutations). `audit` counts entries waiting for MongoDB and entries lost to a full backlog.
   */
  @Get('readyz')
  @Public()
  async readyz(@Res({ passthrough: true }) res: Response): Promise<Readiness> {
    const answered = await this.checks.check();
    const backlog = this.audit.backlog();
    const checks = {
      mongodb: answered.MongoDB ? 'up' : 'down',
      redis: answered.Redis ? 'up' : 'down',
      audit: backlog.full ? 'full' : 'up',
    };
    const ready = Object.values(checks).every((c) => c === 'up');
    res.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ready ? 'ok' : 'unavailable', checks, audit: { pending: backlog.pending, lost: backlog.lost } };
  }
}
