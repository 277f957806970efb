import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { BackingService } from '../common/availability/backing-services';
import { ServiceStatus } from '../common/availability/service-status';
import { REDIS } from '../common/redis/redis.token';

const CHECK_TIMEOUT_MS = 2_000;
/** How often each process checks its backing services, so that an outage no request runs into is still logged. */
const CHECK_INTERVAL_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Pings MongoDB and Redis: on demand for `/readyz`, and every two seconds to tell the service
 * status when one stops or starts answering again. A paused server raises no error of its own;
 * only a question that gets no answer shows it.
 */
@Injectable()
export class BackingServiceChecks implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @InjectConnection() private readonly mongo: Connection,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly status: ServiceStatus,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.check(), CHECK_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Whether each service answered, recording the outcome in the service status. */
  async check(): Promise<Record<BackingService, boolean>> {
    const [mongo, redis] = await Promise.allSettled([
      withTimeout(this.mongo.db!.admin().ping(), CHECK_TIMEOUT_MS),
      withTimeout(this.redis.ping(), CHECK_TIMEOUT_MS),
    ]);
    const outcomes: Record<BackingService, PromiseSettledResult<unknown>> = { MongoDB: mongo, Redis: redis };
    for (const [service, outcome] of Object.entries(outcomes) as Array<
      [BackingService, PromiseSettledResult<unknown>]
    >) {
      if (outcome.status === 'fulfilled') this.status.markUp(service);
      else this.status.markDown(service, (outcome.reason as Error).message);
    }
    return { MongoDB: mongo.status === 'fulfilled', Redis: redis.status === 'fulfilled' };
  }
}
