import { Controller, Get, HttpCode, HttpStatus, Inject, Res } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { Public } from '../access/access.decorators';
import { REDIS } from '../common/redis/redis.token';

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref()),
  ]);
}

@Controller()
export class HealthController {
  constructor(
    @InjectConnection() private readonly mongo: Connection,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

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
    const [mongo, redis] = await Promise.allSettled([
      withTimeout(this.mongo.db!.admin().ping()),
      withTimeout(this.redis.ping()),
    ]);
    const checks = {
      mongodb: mongo.status === 'fulfilled' ? 'up' : 'down',
      redis: redis.status === 'fulfilled' ? 'up' : 'down',
    };
    const ready = Object.values(checks).every((c) => c === 'up');
    res.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ready ? 'ok' : 'unavailable', checks };
  }
}
