import { Controller, Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../access/access.decorators';
import { BackingServiceChecks } from './backing-service-checks';

@Controller()
export class HealthController {
  constructor(private readonly checks: BackingServiceChecks) {}

  /** The process is up. */
  @Get('healthz')
  @Public()
  @HttpCode(HttpStatus.OK)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The process can serve: MongoDB and Redis answer. */
  @Get('readyz')
  @Public()
  async readyz(@Res({ passthrough: true }) res: Response): Promise<{ status: string; checks: Record<string, string> }> {
    const answered = await this.checks.check();
    const checks = {
      mongodb: answered.MongoDB ? 'up' : 'down',
      redis: answered.Redis ? 'up' : 'down',
    };
    const ready = Object.values(checks).every((c) => c === 'up');
    res.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ready ? 'ok' : 'unavailable', checks };
  }
}
